using NeuralNotebooks.Torch;
using TorchSharp;

namespace NeuralNotebooks.Torch.Tests;

[Trait("Category", "TorchSharp")]
public class SetupTests
{
    [Fact]
    public void Load_makes_torch_usable_and_says_how()
    {
        var status = TorchSharpSetup.Load();
        Assert.True(status.Ready, status.Message);
        Assert.True(TorchSharpSetup.Ready);
        Assert.Contains("TorchSharp 0.107.0", status.Message);
        using var product = torch.ones(3, 4).matmul(torch.ones(4, 2));
        Assert.Equal(4f, product[2, 1].item<float>());
    }

    [Fact]
    public void An_edited_copy_is_used_exactly_when_the_system_libstdcxx_lacks_a_needed_version()
    {
        var status = TorchSharpSetup.Load();
        Assert.True(status.Ready, status.Message);
        var (_, available) = SystemLibStdCxx.Versions();
        var glue = ElfFile.Read(NativeLocations.Find().Glue);
        var missing = GlibcxxCompatibility.MissingVersions(glue, available);
        if (missing.Count == 0)
        {
            Assert.Null(status.PatchedCopy);
            Assert.Contains("loaded as shipped", status.Message);
        }
        else
        {
            Assert.NotNull(status.PatchedCopy);
            Assert.DoesNotContain(Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../..")), status.PatchedCopy);
            foreach (var version in missing) Assert.Contains(version, status.Message);
            // The cached copy is the original with exactly the edit applied, and it is in this process.
            var expected = ElfFile.Read(NativeLocations.Find().Glue);
            GlibcxxCompatibility.Relax(expected, available, "glue");
            Assert.Equal(expected.Bytes, File.ReadAllBytes(status.PatchedCopy!));
            Assert.Contains(File.ReadLines("/proc/self/maps"), line => line.EndsWith(status.PatchedCopy!, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Require_returns_the_same_status_every_time()
    {
        Assert.Same(TorchSharpSetup.Load(), TorchSharpSetup.Require());
    }
}
