namespace PhaseScope.Monitoring;

/// <summary>How an event's message is shown where space is short (terminal lines, report tables): its first line,
/// at most <see cref="MaxLength"/> characters. A probe failure's message can hold a native stack trace of kilobytes;
/// the full text stays in the store (and behind a fold in the report).</summary>
public static class EventText
{
    /// <summary>Characters kept by <see cref="OneLine"/>.</summary>
    public const int MaxLength = 240;

    /// <summary>The first line of <paramref name="message"/>, cut to <see cref="MaxLength"/> characters with an ellipsis.</summary>
    public static string OneLine(string message)
    {
        int newline = message.IndexOfAny(['\r', '\n']);
        var first = newline < 0 ? message : message[..newline];
        bool cut = first.Length > MaxLength;
        if (cut) first = first[..MaxLength];
        return cut || newline >= 0 ? first.TrimEnd() + " …" : first;
    }

    /// <summary>Whether <see cref="OneLine"/> leaves something out.</summary>
    public static bool IsCut(string message) => OneLine(message) != message;
}
