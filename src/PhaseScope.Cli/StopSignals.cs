using System.Runtime.InteropServices;

namespace PhaseScope.Cli;

/// <summary>
/// How a training command is asked to stop: Ctrl+C (SIGINT) and SIGTERM (what <c>kill</c>, <c>timeout</c>, Slurm and
/// Kubernetes send) both cancel <see cref="Token"/> instead of ending the process, so the command finishes the step it
/// is in, flushes its store, writes a resume point, marks the run <c>interrupted</c> (PhaseScope.Reporting's <c>RunStatus.Interrupted</c>) and exits with
/// <see cref="ExitCode"/>: 130 after SIGINT, 143 after SIGTERM (128 + the signal number, what a shell reports for a
/// process the signal ended). A second signal changes nothing: the first decides the exit code.
/// </summary>
public sealed class StopSignals : IDisposable
{
    readonly CancellationTokenSource cancel = new();
    readonly PosixSignalRegistration[] registrations;
    readonly Action<PosixSignal>? onSignal;
    int received;   // 0 none, else the first signal's number

    /// <summary>Starts listening; <paramref name="onSignal"/> runs on every signal received (e.g. to pass it on to child processes).</summary>
    public StopSignals(Action<PosixSignal>? onSignal = null)
    {
        this.onSignal = onSignal;
        registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];
    }

    void Handle(PosixSignalContext context)
    {
        context.Cancel = true;
        Interlocked.CompareExchange(ref received, context.Signal == PosixSignal.SIGTERM ? 15 : 2, 0);
        cancel.Cancel();
        onSignal?.Invoke(context.Signal);
    }

    /// <summary>Cancelled when a signal arrived.</summary>
    public CancellationToken Token => cancel.Token;

    /// <summary>Whether a signal arrived.</summary>
    public bool Stopped => Volatile.Read(ref received) != 0;

    /// <summary>The first signal (null: none).</summary>
    public PosixSignal? Signal => Volatile.Read(ref received) switch { 15 => PosixSignal.SIGTERM, 2 => PosixSignal.SIGINT, _ => null };

    /// <summary>The first signal's name (SIGINT or SIGTERM; null: none).</summary>
    public string? SignalName => Volatile.Read(ref received) switch { 15 => "SIGTERM", 2 => "SIGINT", _ => null };

    /// <summary><see cref="ExitCodes.Terminated"/> after SIGTERM, <see cref="ExitCodes.Cancelled"/> after SIGINT (or none).</summary>
    public int ExitCode => Volatile.Read(ref received) == 15 ? ExitCodes.Terminated : ExitCodes.Cancelled;

    /// <summary>Stops listening: a signal after this ends the process as the runtime's default does.</summary>
    public void Dispose()
    {
        foreach (var r in registrations) r.Dispose();
        cancel.Dispose();
    }
}
