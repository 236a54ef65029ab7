using System.CommandLine;
using PhaseScope.Cli.Options;
using PhaseScope.Reporting;

namespace PhaseScope.Cli.Commands;

/// <summary><c>phasescope export RUN --csv|--parquet</c>: writes a run's metrics and events as files.</summary>
public static class ExportCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var run = new Argument<string>("RUN") { Description = "A run directory." };
        var csv = new Option<bool>("--csv") { Description = "Write metrics.csv (step, name, value, wall_time) and events.csv." };
        var parquet = new Option<bool>("--parquet") { Description = "Write metrics.parquet (step, name, value, wall_time) and events.parquet." };
        var outDir = new Option<string?>("--out") { Description = "Folder for the files (default: the run directory)." };
        var cmd = new Command("export", "Export a run's metrics and events.") { run, csv, parquet, outDir };
        var check = CheckMode.AddTo(cmd);
        cmd.SetAction(p =>
        {
            var dir = p.GetValue(run)!;
            if (!p.GetValue(csv) && !p.GetValue(parquet)) throw new UsageException("Choose an export format: --csv and/or --parquet.");
            using var reader = RunReader.Open(dir);
            var target = p.GetValue(outDir) ?? dir;
            OutputDirectory.EnsureWritable(target);
            if (p.GetValue(check)) return CheckMode.Print(CheckMode.Values(p));
            using var read = reader.ConsistentRead();   // both formats from one snapshot of a run still being written
            if (p.GetValue(csv)) foreach (var path in CsvExport.Write(reader, target)) Console.WriteLine(path);
            if (p.GetValue(parquet)) foreach (var path in ParquetExport.Write(reader, target)) Console.WriteLine(path);
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
