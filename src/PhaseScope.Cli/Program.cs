using System.CommandLine;
using System.Globalization;
using PhaseScope.Checkpoints;
using PhaseScope.Cli;
using PhaseScope.Cli.Commands.Ablate;
using PhaseScope.Cli.Commands.Checkpoints;
using PhaseScope.Cli.Commands.Decompose;
using PhaseScope.Cli.Commands.Evaluation;
using PhaseScope.Cli.Commands.Forget;
using PhaseScope.Cli.Commands.Grok;
using PhaseScope.Cli.Commands.Llc;
using PhaseScope.Cli.Commands.Mnist;
using PhaseScope.Cli.Commands.Runs;
using PhaseScope.Cli.Commands.Sweep;
using PhaseScope.Reporting.Store;
using PhaseScope.Monitoring;
using PhaseScope.Runtime;
using PhaseScope.Training.Tasks;

// A number means the same under every locale (LANG=de_DE reads "0.0001" as 1): the whole process formats and parses with
// the invariant culture, new threads included; the numeric options parse invariantly themselves (Options/NumericOption).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;

// Redirected output (CI, pipes, files) has no terminal width; do not wrap tables at 80 columns.
if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 160;

var root = new RootCommand("PhaseScope: watch neural-network training for phase transitions (grokking, plateaus, forgetting, divergence).") { HelpName = "phasescope" };
root.Add(GrokCommand.Create());
root.Add(RunsCommand.Create());
root.Add(ExportCommand.Create());
root.Add(InspectCommand.Create());
root.Add(ConsolidationCommand.Create());
root.Add(SpectralCommand.Create());
root.Add(CorrelateCommand.Create());
root.Add(ForgetCommand.Create());
root.Add(MomentsCommand.Create());
root.Add(ReportCommand.Create());
root.Add(CompareCommand.Create());
root.Add(SweepCommand.Create());
root.Add(VerdictCommand.Create());
root.Add(LlcCommand.Create());
root.Add(EdgeTestsCommand.Create());
root.Add(AblateCommand.Create());
root.Add(DecomposeCommand.Create());
root.Add(QueryCommand.Create());
root.Add(AnalyzeCommand.Create());
root.Add(MnistCommand.Create());

var parse = root.Parse(DebugOutput.Strip(args));
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors) Console.Error.WriteLine($"phasescope: {TerminalText.Plain(error.Message)}");
    Console.Error.WriteLine("Run 'phasescope --help' or 'phasescope COMMAND --help' for usage.");
    return ExitCodes.BadInput;
}
try
{
    // Our handlers below map exceptions to exit codes; System.CommandLine's default handler would print a stack trace and return 1.
    return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is UsageException or TaskConfigurationException or SafetensorsFormatException or RunStoreException or IdxFormatException or PhaseScope.Training.Resume.ResumeException)
{
    // a library check's message may carry .NET's " (Parameter 'name')" suffix: the user reads the sentence alone
    Console.Error.WriteLine($"phasescope: {TerminalText.Plain(System.Text.RegularExpressions.Regex.Replace(e.Message, @" \(Parameter '[^']*'\)", ""))}");
    return ExitCodes.BadInput;
}
catch (PhaseScopeRuntimeException e)
{
    Console.Error.WriteLine($"phasescope: {TerminalText.Plain(e.Message)}");
    return ExitCodes.Environment;
}
catch (Exception e)
{
    // The user reads what went wrong, never an exception's type name; --debug adds the full error and trace.
    Console.Error.WriteLine($"phasescope: internal error, a fault of PhaseScope and not of the input (please report it): {TerminalText.Plain(EventText.OneLine(e.Message))}");
    DebugOutput.Trace(e);
    return ExitCodes.Failed;
}
