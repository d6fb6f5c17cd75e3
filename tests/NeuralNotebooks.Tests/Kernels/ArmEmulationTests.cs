using System.Diagnostics;
using NeuralNotebooks.Tests.Data;

namespace NeuralNotebooks.Tests.Kernels;

/// <summary>
/// The kernel tests on 64-bit Arm, the processor of an Apple Silicon Mac: tests/ArmEmulation/run.sh publishes
/// this assembly for linux-arm64 and runs them under qemu's user-mode emulation (natively on an Arm machine).
/// There .NET takes paths that no x86-64 run of this suite reaches: NEON's own max and min, its fused
/// multiply-add at 128 bits, and the GEMM kernel that multiplies by lanes of A (<c>Gemm.ByElementKernel</c>).
/// </summary>
public class ArmEmulationTests
{
    [Fact]
    public async Task Kernel_tests_pass_on_arm64()
    {
        var repo = MnistTests.FindRepo();
        var psi = new ProcessStartInfo("bash", [Path.Combine("tests", "ArmEmulation", "run.sh")])
        {
            WorkingDirectory = repo,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var run = Process.Start(psi)!;
        var stderr = run.StandardError.ReadToEndAsync();
        var output = await run.StandardOutput.ReadToEndAsync() + await stderr;
        await run.WaitForExitAsync();
        Assert.True(run.ExitCode == 0, $"tests/ArmEmulation/run.sh failed (exit {run.ExitCode}):\n{output}");
        Assert.Matches(@"(^|\n)Arm64, ", output);   // it ran on Arm
        Assert.Matches(@"\n[1-9][0-9]{2,} passed, 0 failed", output);
    }
}
