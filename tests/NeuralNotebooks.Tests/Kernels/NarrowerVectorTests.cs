using System.Runtime.Intrinsics;

namespace NeuralNotebooks.Tests.Kernels;

/// <summary>
/// The kernel tests again, in child processes where the runtime is told to ignore the wider
/// instruction sets (DOTNET_EnableAVX512=0, DOTNET_EnableAVX2=0), so that the 256-bit (AVX2) and
/// 128-bit (SSE, like Arm NEON) paths of every kernel are checked against the scalar twins on the
/// machine that runs the tests, whatever its widest vectors are.
/// </summary>
public class NarrowerVectorTests
{
    private const string ExpectedWidth = "NEURALNOTEBOOKS_EXPECTED_VECTOR_BITS";

    [Theory]
    [InlineData("DOTNET_EnableAVX512", 256)]
    [InlineData("DOTNET_EnableAVX2", 128)]
    public async Task Kernel_tests_pass_with_wider_vectors_switched_off(string knob, int bits)
    {
        if (Widest() < bits) return;   // this CPU has no vectors this wide: nothing narrower to switch to
        var (passed, exit, output) = await ChildTestRun.RunAsync(
            // Not the tests that start processes of their own: this one, and the Arm run, which takes no x86 path.
            $"FullyQualifiedName~{typeof(SimdTests).Namespace}&FullyQualifiedName!~{nameof(Kernel_tests_pass_with_wider_vectors_switched_off)}&FullyQualifiedName!~{nameof(ArmEmulationTests)}",
            new Dictionary<string, string> { [knob] = "0", [ExpectedWidth] = bits.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        Assert.True(passed, $"kernel tests with {knob}=0 failed (exit {exit}):\n{output}");
    }

    /// <summary>In the child processes above: the runtime really did switch the wider vectors off.</summary>
    [Fact]
    public void Child_process_runs_at_the_requested_width()
    {
        var expected = Environment.GetEnvironmentVariable(ExpectedWidth);
        if (expected is null) return;   // not a child of the test above
        Assert.Equal(int.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Widest());
    }

    private static int Widest() =>
        Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;
}
