using System.Runtime.CompilerServices;
using PhaseScope.Runtime;

namespace PhaseScope.Tests;

/// <summary>Makes TorchSharp loadable before any test touches it (docs/TORCHSHARP.md §1).</summary>
static class TestSetup
{
    [ModuleInitializer]
    internal static void Init() => TorchRuntime.Initialize();
}
