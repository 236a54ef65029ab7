using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Reporting.Store;
using PhaseScope.Reporting.Outputs.TensorBoard;
using PhaseScope.Reporting.Outputs.TensorBoard.Proto;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Reporting;

public class TensorBoardSinkTests
{
    /// <summary>Bit-by-bit CRC-32C (reflected Castagnoli polynomial 0x82F63B78), independent of the code under test.</summary>
    static uint ReferenceCrc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }
        return ~crc;
    }

    static uint Mask(uint crc) => unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);

    [Fact]
    public void Crc32CMatchesTheStandardCheckValue()
    {
        var check = Encoding.ASCII.GetBytes("123456789");
        Assert.Equal(0xE3069283u, ReferenceCrc32C(check)); // the published CRC-32C check value
        Assert.Equal(0xE3069283u, TfRecordWriter.Crc32C(check));
    }

    internal sealed record Scalar(double WallTime, long Step, string Tag, float Value);

    /// <summary>Reads TFRecord framing with the reference CRC (both masked CRCs of every record asserted; the file must end
    /// on a record boundary) and decodes each record with the generated <see cref="Event"/> type.</summary>
    internal static List<Event> ReadEvents(byte[] file)
    {
        var events = new List<Event>();
        int pos = 0;
        while (pos < file.Length)
        {
            Assert.True(file.Length - pos >= 16, $"a partial record at byte {pos}");
            ulong len = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(pos));
            Assert.Equal(Mask(ReferenceCrc32C(file.AsSpan(pos, 8))), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(pos + 8)));
            var data = file.AsSpan(pos + 12, (int)len);
            Assert.Equal(Mask(ReferenceCrc32C(data)), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(pos + 12 + (int)len)));
            events.Add(Event.Parser.ParseFrom(data.ToArray()));
            pos += 12 + (int)len + 4;
        }
        return events;
    }

    /// <summary>The file version and every <c>simple_value</c> scalar of a file.</summary>
    internal static (string? FileVersion, List<Scalar> Scalars) Parse(byte[] file)
    {
        var events = ReadEvents(file);
        var version = events.FirstOrDefault(e => e.WhatCase == Event.WhatOneofCase.FileVersion)?.FileVersion;
        var scalars = events.Where(e => e.Summary is not null)
            .SelectMany(e => e.Summary.Value.Where(v => v.ValueCase == Summary.Types.Value.ValueOneofCase.SimpleValue)
                .Select(v => new Scalar(e.WallTime, e.Step, v.Tag, v.SimpleValue)))
            .ToList();
        return (version, scalars);
    }

    static IEnumerable<(long Step, Summary.Types.Value Value)> Values(IEnumerable<Event> events) =>
        events.Where(e => e.Summary is not null).SelectMany(e => e.Summary.Value.Select(v => (e.Step, v)));

    [Fact]
    public void ForgetAfterDropsLaterStepsAndAKilledWritersPartialRecord()
    {
        using var dir = new TempDirectory();
        string file;
        using (var sink = new TensorBoardSink(dir.Path))
        {
            file = sink.FilePath;
            for (int step = 1; step <= 10; step++) sink.Write([new MetricRecord(step, "loss", 1.0 / step)]);
            sink.Write(new MonitorEvent(7, "gap_opened", "spectral", "test"));
        }
        // a record cut short by a kill: a valid-looking length, then nothing
        using (var fs = new FileStream(file, FileMode.Append)) fs.Write([40, 0, 0, 0, 0, 0, 0, 0, 1, 2]);

        Assert.Equal(6, TensorBoardSink.ForgetAfter(dir.Path, 5)); // steps 6–10 and the event at 7

        var (version, scalars) = Parse(File.ReadAllBytes(file)); // every CRC checked by the reference implementation
        Assert.Equal("brain.Event:2", version);
        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, scalars.Select(x => x.Step).ToArray());
        Assert.Equal(1f / 3, scalars[2].Value);
        var bytes = File.ReadAllBytes(file);
        Assert.Equal(0, TensorBoardSink.ForgetAfter(dir.Path, 5)); // nothing more to drop: the file is left alone
        Assert.Equal(bytes, File.ReadAllBytes(file));
        Assert.Equal(0, TensorBoardSink.ForgetAfter(Path.Combine(dir.Path, "absent"), 5));

        // A tail of 14 bytes whose length field passes its CRC but promises more than the file holds.
        var header = new byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, 40);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), TfRecordWriter.MaskedCrc32C(header.AsSpan(0, 8)));
        using (var fs = new FileStream(file, FileMode.Append)) { fs.Write(header); fs.Write([7, 7]); }
        Assert.Equal(0, TensorBoardSink.ForgetAfter(dir.Path, 5));
        Assert.Equal(bytes, File.ReadAllBytes(file));
    }

    [Fact]
    public void WritesFramedEventsWithTagsStepsValuesAndUnixWallTimes()
    {
        using var dir = new TempDirectory();
        double before = (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds;
        string path;
        using (var sink = new TensorBoardSink(dir.Path))
        {
            path = sink.FilePath;
            sink.Write([new MetricRecord(1, "loss", 2.5), new MetricRecord(1, "grad_norm/layers.0.w", 0.125), new MetricRecord(2, "loss", double.NaN)]);
            sink.Write(new MonitorEvent(2, "grokked", "trainer", "done"));
        }
        double after = (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds;
        Assert.Contains("tfevents", Path.GetFileName(path));

        var (version, scalars) = Parse(File.ReadAllBytes(path));
        Assert.Equal("brain.Event:2", version);
        Assert.Equal(
            [(1L, "loss", 2.5f), (1L, "grad_norm/layers.0.w", 0.125f), (2L, "loss", float.NaN), (2L, "events/grokked", 1f)],
            scalars.Select(s => (s.Step, s.Tag, s.Value)));
        // Unix seconds with sub-second resolution, not .NET ticks.
        Assert.All(scalars, s => Assert.InRange(s.WallTime, before - 1e-3, after + 1e-3));
        Assert.Contains(scalars, s => s.WallTime != Math.Floor(s.WallTime));
    }

    [Fact]
    public void HistogramOfATensorCountsEachFiniteValueInItsBucket()
    {
        // [0, 4] in 4 buckets of width 1: ⌊x⌋, the maximum 4 in the last bucket; NaN and ∞ left out.
        using var t = tensor(new float[] { 0f, 0.5f, 1f, 2.25f, 3f, 4f, float.NaN, float.PositiveInfinity });
        var h = HistogramProbe.Of("w", t, buckets: 4)!;
        Assert.Equal(0, h.Min);
        Assert.Equal(4, h.Max);
        Assert.Equal(6, h.Num);
        Assert.Equal(2, h.NonFinite);
        Assert.Equal(0 + 0.5 + 1 + 2.25 + 3 + 4, h.Sum, 12);
        Assert.Equal(0 + 0.25 + 1 + 5.0625 + 9 + 16, h.SumSquares, 12);
        Assert.Equal(new double[] { 1, 2, 3, 4 }, h.Limits);
        Assert.Equal(new double[] { 2, 1, 1, 2 }, h.Counts);

        using var constant = full(5, 3.5f);
        var c = HistogramProbe.Of("c", constant)!;
        Assert.Equal((3.5, 3.5, 5.0), (c.Min, c.Max, c.Num));
        Assert.Equal(new double[] { 3.5 }, c.Limits);
        Assert.Equal(new double[] { 5 }, c.Counts);

        using var nan = full(3, float.NaN);
        Assert.Null(HistogramProbe.Of("n", nan));
        using var ints = ones(3, dtype: ScalarType.Int64);
        Assert.Null(HistogramProbe.Of("i", ints));
    }

    [Fact]
    public void HistogramsHParamsTextAndCostsCarryThePluginMetadataTensorBoardReads()
    {
        using var dir = new TempDirectory();
        var config = new Dictionary<string, string> { ["lr"] = "0.001", ["task"] = "modular", ["tensorboard"] = "true", ["steps"] = "100" };
        var warnings = new List<string>();
        string path;
        using (var sink = new TensorBoardSink(dir.Path) { Warn = warnings.Add })
        {
            path = sink.FilePath;
            sink.Timings = () => [new ProbeTiming("loss", 4, 0.002, false)];
            sink.Start(config);
            var histogram = new TensorHistogram("layers.0.w", -1, 3, 5, 4, 12, [2, 3], 0);   // two buckets: right edges 1 and 3
            sink.Write(new MonitorSnapshot(10, TensorHistogram.GradientsSnapshot, "histograms", JsonSerializer.Serialize(new TensorHistogram.Set([histogram]))));
            sink.Write(new MonitorSnapshot(10, "moments/plane", "moments", "{}"));   // not a histogram: left to the run store
            sink.Write([new MetricRecord(10, "loss", 0.5)]);
            sink.Flush();
            sink.Complete(100, "completed", """{"diagnosis":"Grokked at step 90.","grok_step":90,"final_test_acc":0.99,"grokked":true,"op":null,"loss_spikes":[3]}""", config);
        }
        Assert.Empty(warnings);
        var events = ReadEvents(File.ReadAllBytes(path));
        var values = Values(events).ToList();

        var (hStep, h) = Assert.Single(values, v => v.Value.ValueCase == Summary.Types.Value.ValueOneofCase.Histo);
        Assert.Equal((10L, "gradients/layers.0.w"), (hStep, h.Tag));
        Assert.Equal(EventRecords.HistogramsPlugin, h.Metadata.PluginData.PluginName);
        Assert.Equal((-1.0, 3.0, 5.0, 4.0, 12.0), (h.Histo.Min, h.Histo.Max, h.Histo.Num, h.Histo.Sum, h.Histo.SumSquares));
        Assert.Equal(new double[] { 1, 3 }, h.Histo.BucketLimit);
        Assert.Equal(new double[] { 2, 3 }, h.Histo.Bucket);

        HParamsPluginData HParams(string tag)
        {
            var (_, v) = Assert.Single(values, x => x.Value.Tag == tag);
            Assert.Equal("hparams", v.Metadata.PluginData.PluginName);
            Assert.Equal(DataType.DtFloat, v.Tensor.Dtype);   // the null tensor TensorBoard's own hparams summaries carry
            var data = HParamsPluginData.Parser.ParseFrom(v.Metadata.PluginData.Content);
            Assert.Equal(0, data.Version);
            return data;
        }
        var start = HParams("_hparams_/session_start_info").SessionStartInfo;
        Assert.Equal(0.001, start.Hparams["lr"].NumberValue);
        Assert.Equal(100, start.Hparams["steps"].NumberValue);
        Assert.Equal("modular", start.Hparams["task"].StringValue);
        Assert.True(start.Hparams["tensorboard"].BoolValue);
        Assert.Equal(Status.Success, HParams("_hparams_/session_end_info").SessionEndInfo.Status);
        var experiment = HParams("_hparams_/experiment").Experiment;
        Assert.Equal(config.Keys.Order(), experiment.HparamInfos.Select(i => i.Name).Order());
        Assert.Equal(HParamDataType.DataTypeFloat64, experiment.HparamInfos.Single(i => i.Name == "lr").Type);
        Assert.Equal(HParamDataType.DataTypeString, experiment.HparamInfos.Single(i => i.Name == "task").Type);
        Assert.Equal(["summary/final_test_acc", "summary/grok_step", "summary/grokked"], experiment.MetricInfos.Select(m => m.Name.Tag).Order());

        var (textStep, text) = Assert.Single(values, v => v.Value.Tag == "diagnosis");
        Assert.Equal(100, textStep);
        Assert.Equal("text", text.Metadata.PluginData.PluginName);
        Assert.Equal(DataType.DtString, text.Tensor.Dtype);
        Assert.Empty(text.Tensor.TensorShape.Dim);
        Assert.Equal("Grokked at step 90.", Assert.Single(text.Tensor.StringVal).ToStringUtf8());

        var scalars = Parse(File.ReadAllBytes(path)).Scalars;
        Assert.Equal(90f, scalars.Single(s => s.Tag == "summary/grok_step").Value);
        Assert.Equal(0.99f, scalars.Single(s => s.Tag == "summary/final_test_acc").Value);
        Assert.Equal(1f, scalars.Single(s => s.Tag == "summary/grokked").Value);
        // the costs at the flush (the last step written, 10) and at the end (100)
        Assert.Equal([(10L, 4f), (100L, 4f)], scalars.Where(s => s.Tag == "monitor/calls/loss").Select(s => (s.Step, s.Value)));
        Assert.Equal(0.5f, scalars.Single(s => s.Tag == "monitor/ms_per_call/loss" && s.Step == 100).Value);

        // A resume at step 100 re-opens the session: the end records go although their step is not after the point.
        Assert.Equal(4, TensorBoardSink.ForgetAfter(dir.Path, 100));   // the summary scalars, text, experiment and session end; the costs at 100 stay
        var kept = Values(ReadEvents(File.ReadAllBytes(path))).Select(v => v.Value.Tag).ToList();
        Assert.Contains("_hparams_/session_start_info", kept);
        Assert.Contains("monitor/calls/loss", kept);
        Assert.DoesNotContain(kept, t => t is "_hparams_/session_end_info" or "_hparams_/experiment" or "diagnosis" || t.StartsWith("summary/"));
    }

    [Fact]
    public void AFailingSinkSaysSoOnceAndNeverThrows()
    {
        using var dir = new TempDirectory();
        var warnings = new List<string>();
        var sink = new TensorBoardSink(dir.Path) { Warn = warnings.Add };
        sink.Dispose();   // the file is closed under the sink: every write fails
        sink.Start(new Dictionary<string, string> { ["a"] = "1" });
        sink.Complete(5, "completed", "{}", new Dictionary<string, string>());
        sink.Flush();
        Assert.Contains("TensorBoard session start not written", Assert.Single(warnings));

        var file = Path.Combine(dir.Path, "file");
        File.WriteAllText(file, "");
        var said = new List<string>();
        Assert.Null(TensorBoardSink.TryOpen(Path.Combine(file, "run"), said.Add));   // a file where the run directory should be
        Assert.Contains("the run goes on without it", Assert.Single(said));
    }

    [Fact]
    public void ARunsEventFilesLieInItsOwnDirectoryUnlessAnEarlierVersionStartedThemInTensorboard()
    {
        using var dir = new TempDirectory();
        var run = Path.Combine(dir.Path, "NAME");
        Directory.CreateDirectory(Path.Combine(run, "tensorboard"));   // an empty folder is no earlier run's files
        Assert.Equal(run, TensorBoardSink.DirectoryOf(run));
        File.WriteAllBytes(Path.Combine(run, "tensorboard", "events.out.tfevents.1.host"), []);
        Assert.Equal(Path.Combine(run, "tensorboard"), TensorBoardSink.DirectoryOf(run));
    }

    /// <summary>A tiny grok run with --tensorboard: the event file lies in the run directory (TensorBoard names the run after
    /// it), every stored scalar metric is in it with its step and value, and histograms of weights, gradients and updates,
    /// the hparams session and the diagnosis are there.</summary>
    [Fact]
    public void AGrokRunsEventFileHoldsItsStoredMetricsHistogramsHParamsAndDiagnosis()
    {
        using var dir = new TempDirectory();
        var (code, _, stderr) = CliRunner.Run(dir.Path, "grok", "--task", "dyck", "--steps", "30", "--eval-every", "10", "--out", dir.Path,
            "--name", "tb", "--json", "--threads", "1", "--tensorboard", "--no-report");
        Assert.True(code == 0, stderr);
        var runDir = Path.Combine(dir.Path, "tb");
        var file = Assert.Single(Directory.GetFiles(runDir, "events.out.tfevents.*"));
        Assert.False(Directory.Exists(Path.Combine(runDir, "tensorboard")));
        var events = ReadEvents(File.ReadAllBytes(file));
        var scalars = Parse(File.ReadAllBytes(file)).Scalars.ToLookup(s => (s.Step, s.Tag), s => s.Value);

        using var reader = RunReader.Open(runDir);
        var stored = reader.Metrics().Select(m => m.Metric).Where(m => !m.Name.StartsWith("monitor/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(stored);
        Assert.All(stored, m => Assert.Contains((float)m.Value, scalars[(m.Step, m.Name)]));

        var values = Values(events).ToList();
        foreach (var kind in new[] { "weights", "gradients", "updates" })
            Assert.Contains(values, v => v.Value.Tag.StartsWith(kind + "/", StringComparison.Ordinal) && v.Value.Histo is { Num: > 0 }
                && v.Value.Metadata.PluginData.PluginName == "histograms" && v.Value.Histo.Bucket.Sum() == v.Value.Histo.Num);
        Assert.Contains(values, v => v.Value.Tag == "_hparams_/session_start_info"
            && HParamsPluginData.Parser.ParseFrom(v.Value.Metadata.PluginData.Content).SessionStartInfo.Hparams["task"].StringValue == "dyck");
        Assert.Contains(values, v => v.Step == 30 && v.Value.Tag == "_hparams_/session_end_info");
        using var summary = JsonDocument.Parse(reader.Info().SummaryJson!);
        Assert.Equal(summary.RootElement.GetProperty("diagnosis").GetString(),
            Assert.Single(values, v => v.Value.Tag == "diagnosis").Value.Tensor.StringVal[0].ToStringUtf8());
        Assert.Contains(values, v => v.Value.Tag == "monitor/calls/histograms" && v.Value.SimpleValue > 0);
        Assert.Equal((float)summary.RootElement.GetProperty("final_test_acc").GetDouble(), scalars[(30L, "summary/final_test_acc")].Single());
    }
}
