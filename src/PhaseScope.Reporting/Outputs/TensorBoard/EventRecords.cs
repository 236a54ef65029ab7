using System.Globalization;
using Google.Protobuf;
using PhaseScope.Monitoring;
using PhaseScope.Reporting.Outputs.TensorBoard.Proto;
using WellKnown = Google.Protobuf.WellKnownTypes;

namespace PhaseScope.Reporting.Outputs.TensorBoard;

/// <summary>
/// Builds the <c>Event</c> records PhaseScope writes, from the types generated out of <c>tensorboard_events.proto</c>:
/// the file-version header, scalars (<c>simple_value</c>), histograms (<c>histo</c> with the <c>histograms</c> plugin),
/// text (a string <c>TensorProto</c> with the <c>text</c> plugin) and the hparams plugin's three records
/// (<c>_hparams_/experiment</c>, <c>_hparams_/session_start_info</c>, <c>_hparams_/session_end_info</c>), each an empty
/// float tensor whose metadata content is a serialised <c>HParamsPluginData</c> (version 0), as TensorBoard's own
/// <c>hparams.summary</c> writes them.
/// </summary>
public static class EventRecords
{
    /// <summary>The file-version string of the first record.</summary>
    public const string FileVersionString = "brain.Event:2";

    /// <summary>Plugin names TensorBoard dispatches on.</summary>
    public const string HistogramsPlugin = "histograms", TextPlugin = "text", HParamsPlugin = "hparams";

    /// <summary>The hparams plugin's tags.</summary>
    public const string ExperimentTag = "_hparams_/experiment", SessionStartTag = "_hparams_/session_start_info", SessionEndTag = "_hparams_/session_end_info";

    /// <summary>The first event of every file.</summary>
    public static Event FileVersion(double wallTime) => new() { WallTime = wallTime, FileVersion = FileVersionString };

    /// <summary>One event holding the scalars of one step.</summary>
    public static Event Scalars(double wallTime, long step, IEnumerable<(string Tag, float Value)> values)
    {
        var summary = new Summary();
        foreach (var (tag, value) in values) summary.Value.Add(new Summary.Types.Value { Tag = tag, SimpleValue = value });
        return new Event { WallTime = wallTime, Step = step, Summary = summary };
    }

    /// <summary>One event holding histograms of one step, tagged <c>PREFIX/TENSOR</c>.</summary>
    public static Event Histograms(double wallTime, long step, string prefix, IEnumerable<TensorHistogram> histograms)
    {
        var summary = new Summary();
        foreach (var h in histograms)
        {
            var proto = new HistogramProto { Min = h.Min, Max = h.Max, Num = h.Num, Sum = h.Sum, SumSquares = h.SumSquares };
            proto.BucketLimit.Add(h.Limits);
            proto.Bucket.Add(h.Counts);
            summary.Value.Add(new Summary.Types.Value { Tag = $"{prefix}/{h.Tensor}", Histo = proto, Metadata = Plugin(HistogramsPlugin, ByteString.Empty) });
        }
        return new Event { WallTime = wallTime, Step = step, Summary = summary };
    }

    /// <summary>One text summary (Markdown, as TensorBoard's text tab renders it).</summary>
    public static Event Text(double wallTime, long step, string tag, string text)
    {
        var tensor = new TensorProto { Dtype = DataType.DtString, TensorShape = new TensorShapeProto() };
        tensor.StringVal.Add(ByteString.CopyFromUtf8(text));
        var value = new Summary.Types.Value { Tag = tag, Tensor = tensor, Metadata = Plugin(TextPlugin, new TextPluginData { Version = 0 }.ToByteString()) };
        return new Event { WallTime = wallTime, Step = step, Summary = new Summary { Value = { value } } };
    }

    /// <summary>The session's hyperparameters: <paramref name="config"/>'s values, typed by <see cref="HParamValue"/>.</summary>
    public static Event SessionStart(double wallTime, long step, IReadOnlyDictionary<string, string> config)
    {
        var start = new SessionStartInfo { StartTimeSecs = wallTime };
        foreach (var (k, v) in config) start.Hparams[k] = HParamValue(v);
        return HParams(wallTime, step, SessionStartTag, new HParamsPluginData { Version = 0, SessionStartInfo = start });
    }

    /// <summary>The session's end: <paramref name="status"/> is the run store's (<c>completed</c> → success, <c>failed</c> →
    /// failure, anything else unknown).</summary>
    public static Event SessionEnd(double wallTime, long step, string status)
    {
        var end = new SessionEndInfo
        {
            EndTimeSecs = wallTime,
            Status = status switch { "completed" => Status.Success, "failed" => Status.Failure, _ => Status.Unknown },
        };
        return HParams(wallTime, step, SessionEndTag, new HParamsPluginData { Version = 0, SessionEndInfo = end });
    }

    /// <summary>The experiment: one hparam per config key (typed as its value) and one metric per scalar tag in
    /// <paramref name="metricTags"/> (read from the same run).</summary>
    public static Event Experiment(double wallTime, long step, IReadOnlyDictionary<string, string> config, IEnumerable<string> metricTags)
    {
        var experiment = new Proto.Experiment { TimeCreatedSecs = wallTime };
        foreach (var (k, v) in config)
        {
            var value = HParamValue(v);
            var info = new HParamInfo { Name = k };
            switch (value.KindCase)
            {
                case WellKnown.Value.KindOneofCase.NumberValue: info.Type = HParamDataType.DataTypeFloat64; break;
                case WellKnown.Value.KindOneofCase.BoolValue:
                    info.Type = HParamDataType.DataTypeBool;
                    info.DomainDiscrete = new WellKnown.ListValue { Values = { WellKnown.Value.ForBool(false), WellKnown.Value.ForBool(true) } };
                    break;
                default:
                    info.Type = HParamDataType.DataTypeString;
                    info.DomainDiscrete = new WellKnown.ListValue { Values = { value } };
                    break;
            }
            experiment.HparamInfos.Add(info);
        }
        foreach (var tag in metricTags) experiment.MetricInfos.Add(new MetricInfo { Name = new MetricName { Tag = tag } });
        return HParams(wallTime, step, ExperimentTag, new HParamsPluginData { Version = 0, Experiment = experiment });
    }

    /// <summary>A config value as an hparam: a finite number (invariant culture) as a number, <c>true</c>/<c>false</c> as a
    /// bool, anything else as a string.</summary>
    public static WellKnown.Value HParamValue(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? WellKnown.Value.ForNumber(d)
        : value is "true" or "false" ? WellKnown.Value.ForBool(value == "true")
        : WellKnown.Value.ForString(value);

    static Event HParams(double wallTime, long step, string tag, HParamsPluginData data)
    {
        // TensorBoard's hparams summaries carry a rank-0 float tensor holding 0 beside their metadata.
        var tensor = new TensorProto { Dtype = DataType.DtFloat, TensorShape = new TensorShapeProto(), FloatVal = { 0f } };
        var value = new Summary.Types.Value { Tag = tag, Tensor = tensor, Metadata = Plugin(HParamsPlugin, data.ToByteString()) };
        return new Event { WallTime = wallTime, Step = step, Summary = new Summary { Value = { value } } };
    }

    static SummaryMetadata Plugin(string name, ByteString content) =>
        new() { PluginData = new SummaryMetadata.Types.PluginData { PluginName = name, Content = content } };
}
