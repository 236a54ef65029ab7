namespace PhaseScope.Tests.Reporting;

/// <summary>A fact that needs Debian's chromium (<c>apt-get install chromium</c>): skipped, saying so, where it is not installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    /// <summary>Where the browser is looked for.</summary>
    public static readonly string[] Paths = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

    /// <summary>The installed chromium, or null.</summary>
    public static string? Executable => Paths.FirstOrDefault(File.Exists);

    /// <summary>Skips the test when no chromium is installed.</summary>
    public ChromiumFactAttribute()
    {
        if (Executable is null) Skip = "chromium is not installed (apt-get install -y chromium; .ci/run installs it on CI)";
    }
}
