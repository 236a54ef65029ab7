namespace PhaseScope.Checkpoints;

/// <summary>
/// Watches a directory that a training elsewhere writes checkpoints into and hands out each checkpoint once it is
/// complete: listed by <see cref="CheckpointDirectory"/> (temporary and hidden names such as <c>*.tmp</c> or
/// <c>.step_5.pt.partial</c> are never read), with the same non-zero size and modification time at two consecutive polls,
/// and readable (<see cref="CheckpointFile.ReadIndex"/>: its index parses, so a zip's central directory or a legacy
/// file's last storage is there). A file that stays unreadable for <see cref="GiveUpPolls"/> polls without changing is
/// reported once as skipped; one that changes again is watched afresh. Files are handed out in name order within a poll.
/// </summary>
public sealed class CheckpointWatcher(string directory)
{
    readonly Dictionary<string, (long Size, DateTime Written, int Unchanged)> pending = new(StringComparer.Ordinal);
    readonly HashSet<string> done = new(StringComparer.Ordinal);
    readonly HashSet<string> reported = new(StringComparer.Ordinal);

    /// <summary>Polls during which an unchanged file may stay unreadable before it is reported and left alone.</summary>
    public int GiveUpPolls { get; init; } = 20;

    /// <summary>Marks <paramref name="path"/> as handled (e.g. read before watching began).</summary>
    public void MarkDone(string path) => done.Add(path);

    /// <summary>The checkpoints that became complete since the last poll, and the files newly left out with the reason.</summary>
    public IReadOnlyList<string> Poll(out IReadOnlyList<SkippedFile> skipped)
    {
        var left = new List<SkippedFile>();
        var ready = new List<string>();
        IReadOnlyList<string> files;
        try { files = CheckpointDirectory.List(directory, out var listedOut); foreach (var s in listedOut) if (reported.Add(s.Name)) left.Add(s); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            skipped = [new SkippedFile(directory, $"cannot be listed ({e.Message})")];
            return [];
        }
        foreach (var path in files)
        {
            if (done.Contains(path)) continue;
            FileInfo info;
            try { info = new FileInfo(path); info.Refresh(); if (!info.Exists) continue; }
            catch (IOException) { continue; }
            var seen = (info.Length, info.LastWriteTimeUtc);
            if (!pending.TryGetValue(path, out var was) || was.Size != seen.Length || was.Written != seen.LastWriteTimeUtc)
            {
                pending[path] = (seen.Length, seen.LastWriteTimeUtc, 0);
                continue;
            }
            int unchanged = was.Unchanged + 1;
            pending[path] = (was.Size, was.Written, unchanged);
            if (seen.Length == 0) continue;
            string? problem = null;
            try { CheckpointFile.ReadIndex(path); }
            catch (CheckpointFormatException e) { problem = e.Message; }
            if (problem is null)
            {
                pending.Remove(path);
                done.Add(path);
                ready.Add(path);
            }
            else if (unchanged >= GiveUpPolls)
            {
                pending.Remove(path);
                done.Add(path);
                left.Add(new SkippedFile(Path.GetFileName(path), $"unreadable after {unchanged} polls without change: {problem}"));
            }
        }
        skipped = left;
        return ready;
    }
}
