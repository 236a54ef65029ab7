using PhaseScope.Checkpoints;
using PhaseScope.Monitoring;
using PhaseScope.Reporting.Store;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Reliability;

/// <summary>
/// Issue 8's malformed-input check: 1,200 mutated files fed to the three readers (safetensors, IDX, run stores), in
/// process. Every read either succeeds (a mutation inside tensor data or pixels leaves a valid file) or throws the
/// reader's own exception with a message; any other exception type fails the test, and a native abort would take the
/// test host down with it. Mutations: bit flips, random bytes, runs of 0x00/0xFF, truncation, appended garbage, and
/// for safetensors, edits of the JSON header (dtype, shape, offsets) and of its length prefix.
/// </summary>
public class ReaderFuzzTests
{
    static byte[] Mutate(byte[] original, Random rng, int protectedPrefix = 0)
    {
        var b = (byte[])original.Clone();
        switch (rng.Next(6))
        {
            case 0: // bit flips
                for (int i = 0, n = 1 + rng.Next(8); i < n; i++) { int at = rng.Next(b.Length); b[at] ^= (byte)(1 << rng.Next(8)); }
                return b;
            case 1: // random bytes
                for (int i = 0, n = 1 + rng.Next(16); i < n; i++) b[rng.Next(b.Length)] = (byte)rng.Next(256);
                return b;
            case 2: // a run of 0x00 or 0xFF
            {
                int at = rng.Next(b.Length), len = Math.Min(b.Length - at, 1 + rng.Next(64));
                Array.Fill(b, rng.Next(2) == 0 ? (byte)0 : (byte)0xFF, at, len);
                return b;
            }
            case 3: // truncation
                return b[..Math.Max(protectedPrefix, rng.Next(b.Length))];
            case 4: // appended garbage
                return [.. b, .. Enumerable.Range(0, 1 + rng.Next(100)).Select(_ => (byte)rng.Next(256))];
            default: // mutate the first 64 bytes (headers, length fields)
                for (int i = 0, n = 1 + rng.Next(4); i < n; i++) b[rng.Next(Math.Min(64, b.Length))] = (byte)rng.Next(256);
                return b;
        }
    }

    static void Expect<TClear>(Action read, string what, List<string> failures) where TClear : Exception
    {
        try { read(); }
        catch (TClear e) when (!string.IsNullOrWhiteSpace(e.Message)) { }
        catch (Exception e) { failures.Add($"{what}: {e.GetType().Name}: {e.Message}"); }
    }

    /// <summary>Header edits that keep the file's framing: JSON values replaced by wrong or extreme ones.</summary>
    static byte[] MutateSafetensorsHeader(byte[] file, Random rng)
    {
        ulong len = BitConverter.ToUInt64(file, 0);
        var header = System.Text.Encoding.UTF8.GetString(file, 8, (int)len);
        string[] swaps =
        [
            "\"F32\"", "\"F16\"", "\"BF16\"", "\"I64\"", "\"U8\"", "\"BOOL\"", "\"F64\"", "\"XYZ\"", "null", "[]", "{}",
            "[4611686018427387904,4]", "[-1]", "[0]", "[3,3]", "[0,18446744073709551615]", "[16,8]", "[8,16]", "[1e300]", "\"data_offsets\"",
        ];
        var pieces = System.Text.RegularExpressions.Regex.Matches(header, "\"[A-Z0-9]+\"|\\[[^\\[\\]]*\\]");
        if (pieces.Count == 0) return file;
        var m = pieces[rng.Next(pieces.Count)];
        var mutated = header[..m.Index] + swaps[rng.Next(swaps.Length)] + header[(m.Index + m.Length)..];
        var bytes = System.Text.Encoding.UTF8.GetBytes(mutated);
        return [.. BitConverter.GetBytes((ulong)bytes.Length), .. bytes, .. file[(8 + (int)len)..]];
    }

    [Fact]
    public void MutatedSafetensorsIdxAndRunStoresGiveClearErrorsOnly()
    {
        using var dir = new TempDirectory();
        var rng = new Random(20261123);
        var failures = new List<string>();

        // Safetensors: 500 mutants of a two-tensor file.
        var st = dir.File("seed.safetensors");
        using (var a = arange(12, dtype: ScalarType.Float32).reshape(3, 4))
        using (var b = tensor(new long[] { 7, -1 }))
            Safetensors.Save(st, [("a.weight", a), ("b.bias", b)], new Dictionary<string, string> { ["step"] = "5" });
        var stBytes = File.ReadAllBytes(st);
        for (int i = 0; i < 500; i++)
        {
            var path = dir.File($"m{i}.safetensors");
            File.WriteAllBytes(path, i % 2 == 0 ? Mutate(stBytes, rng) : MutateSafetensorsHeader(stBytes, rng));
            Expect<SafetensorsFormatException>(() => { foreach (var t in Safetensors.Load(path).Values) t.Dispose(); }, $"safetensors #{i}", failures);
        }

        // IDX: 250 image and 250 label mutants.
        var images = dir.File("images");
        var labels = dir.File("labels");
        IdxFile.Write(images, [5, 4, 3], Enumerable.Range(0, 60).Select(x => (byte)x).ToArray());
        IdxFile.Write(labels, [5], [1, 2, 3, 4, 9]);
        var imageBytes = File.ReadAllBytes(images);
        var labelBytes = File.ReadAllBytes(labels);
        for (int i = 0; i < 250; i++)
        {
            var pi = dir.File($"img{i}");
            File.WriteAllBytes(pi, Mutate(imageBytes, rng));
            Expect<IdxFormatException>(() => IdxFile.ReadImages(pi), $"idx images #{i}", failures);
            var pl = dir.File($"lab{i}");
            File.WriteAllBytes(pl, Mutate(labelBytes, rng));
            Expect<IdxFormatException>(() => IdxFile.ReadLabels(pl), $"idx labels #{i}", failures);
        }

        // Run stores: 200 mutants of a small finished run (a checkpointed WAL-free file).
        var run = Path.Combine(dir.Path, "run");
        using (var store = RunStore.Create(run, "run", "grok", new Dictionary<string, string> { ["seed"] = "1" }))
        {
            store.Write(Enumerable.Range(1, 300).Select(s => new MetricRecord(s, s % 2 == 0 ? "loss" : "grad_norm", 1.0 / s)).ToList());
            store.Write(new MonitorEvent(10, "gap_opened", "spectral", "opened"));
            store.Write(new MonitorSnapshot(10, "moments/plane", "moments", "{\"cells\":[]}"));
            store.Complete("completed", "{\"grokked\":true}");
        }
        var dbBytes = File.ReadAllBytes(Path.Combine(run, "run.db"));
        for (int i = 0; i < 200; i++)
        {
            var mutant = Path.Combine(dir.Path, $"run{i}");
            Directory.CreateDirectory(mutant);
            File.WriteAllBytes(Path.Combine(mutant, "run.db"), Mutate(dbBytes, rng, protectedPrefix: 0));
            Expect<RunStoreException>(() =>
            {
                using var reader = RunReader.Open(mutant);
                _ = reader.Info();
                _ = reader.Config();
                foreach (var name in reader.MetricNames()) _ = reader.Series(name);
                _ = reader.Metrics().Count();
                _ = reader.MetricCount();
                _ = reader.Events();
                foreach (var name in reader.SnapshotNames()) _ = reader.Snapshots(name);
            }, $"run store #{i}", failures);
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of 1,200 mutated inputs gave an unclear error:\n" + string.Join("\n", failures.Distinct().Take(40)));
    }

    /// <summary>
    /// TensorBoard event files as <c>grok --resume</c> reads them (<see cref="PhaseScope.Reporting.Outputs.TensorBoard.TensorBoardSink.ForgetAfter"/>):
    /// 500 mutants; the reader keeps the intact records before the first damaged one and never throws. Every record it
    /// keeps was written by the sink (CRCs checked), so a kept file is a prefix of the original's records.
    /// </summary>
    [Fact]
    public void MutatedTensorBoardEventFilesAreTrimmedNeverThrown()
    {
        using var dir = new TempDirectory();
        var rng = new Random(17);
        string original;
        using (var sink = new PhaseScope.Reporting.Outputs.TensorBoard.TensorBoardSink(Path.Combine(dir.Path, "src")))
        {
            original = sink.FilePath;
            for (int s = 1; s <= 60; s++) sink.Write([new MetricRecord(s, "loss", 1.0 / s), new MetricRecord(s, "grad_norm", s)]);
        }
        var bytes = File.ReadAllBytes(original);
        var records = new PhaseScope.Reporting.Outputs.TensorBoard.TfRecordReader(bytes).Records().ToList();
        for (int i = 0; i < 500; i++)
        {
            var mutantDir = Path.Combine(dir.Path, $"tb{i}");
            Directory.CreateDirectory(mutantDir);
            var path = Path.Combine(mutantDir, "events.out.tfevents.1.host");
            File.WriteAllBytes(path, Mutate(bytes, rng));
            PhaseScope.Reporting.Outputs.TensorBoard.TensorBoardSink.ForgetAfter(mutantDir, 30 + rng.Next(40));
            var kept = new PhaseScope.Reporting.Outputs.TensorBoard.TfRecordReader(File.ReadAllBytes(path)).Records().ToList();
            Assert.True(kept.Count <= records.Count, $"mutant {i}: more records than written");
            for (int r = 0; r < kept.Count; r++)
                Assert.True(kept[r].AsSpan().SequenceEqual(records[r]), $"mutant {i}: record {r} is not the sink's");
        }
    }
}
