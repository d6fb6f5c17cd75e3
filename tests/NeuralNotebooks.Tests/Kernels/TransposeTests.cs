using System.Runtime.Intrinsics;
using NeuralNotebooks.Kernels;

namespace NeuralNotebooks.Tests.Kernels;

public class TransposeTests
{
    /// <summary>Empty, single, on either side of every tile size (4, 8, 16), and the trainer's: 16 samples by 392 features, a last block of 8.</summary>
    public static TheoryData<int, int> Shapes => new()
    {
        { 0, 0 }, { 0, 5 }, { 5, 0 }, { 1, 1 }, { 1, 17 }, { 17, 1 }, { 3, 5 }, { 4, 4 }, { 5, 4 }, { 7, 9 }, { 8, 8 }, { 9, 7 },
        { 15, 15 }, { 16, 16 }, { 17, 17 }, { 31, 33 }, { 33, 31 }, { 64, 48 }, { 16, 392 }, { 8, 392 }, { 200, 392 }, { 1023, 3 },
    };

    /// <summary>
    /// The tiled transpose (16×16, 8×8 or 4×4 in registers: the widest this process has, and again in the child processes
    /// with wider vectors switched off and on Arm) writes what its plain twin writes, with rows padded apart on both sides,
    /// and not a float outside the transposed matrix: the spans end where the matrices do, inside arrays whose other
    /// elements must keep their value.
    /// </summary>
    [Theory, MemberData(nameof(Shapes))]
    public void Turns_a_matrix_round_as_its_scalar_twin_does_and_writes_nothing_else(int rows, int cols)
    {
        int lds = cols + 3, ldd = rows + 5;
        int sourceLength = rows == 0 || cols == 0 ? 0 : (rows - 1) * lds + cols;
        int destinationLength = rows == 0 || cols == 0 ? 0 : (cols - 1) * ldd + rows;
        var source = new Rng(rows * 131 + cols).Uniform(new Shape(sourceLength + 8), -1f, 1f).ToArray();
        var expected = Enumerable.Repeat(7.5f, destinationLength + 16).ToArray();
        var actual = (float[])expected.Clone();
        Transpose.IntoScalar(source.AsSpan(4, sourceLength), rows, cols, lds, expected.AsSpan(8, destinationLength), ldd);
        Transpose.Into(source.AsSpan(4, sourceLength), rows, cols, lds, actual.AsSpan(8, destinationLength), ldd);
        Assert.Equal(expected, actual);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                Assert.Equal(source[4 + i * lds + j], expected[8 + j * ldd + i]);
    }

    [Fact]
    public void Tiles_are_as_wide_as_the_widest_vectors()
    {
        int expected = Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : Vector128.IsHardwareAccelerated ? 4 : 1;
        Assert.Equal(expected, Transpose.TileRows);
    }

    [Fact]
    public void Refuses_strides_and_spans_too_small_for_the_matrix()
    {
        var a = new float[100];
        Assert.Throws<ArgumentException>(() => Transpose.Into(a, -1, 3, 3, a, 3));
        Assert.Throws<ArgumentException>(() => Transpose.Into(a, 4, 5, 4, new float[100], 4));     // source rows 4 apart cannot hold 5 columns
        Assert.Throws<ArgumentException>(() => Transpose.Into(a, 4, 5, 5, new float[100], 3));     // destination rows 3 apart cannot hold 4
        Assert.Throws<ArgumentException>(() => Transpose.Into(a.AsSpan(0, 19), 4, 5, 5, new float[100], 4));   // 20 floats needed
        Assert.Throws<ArgumentException>(() => Transpose.Into(a, 4, 5, 5, new float[19], 4));
        Assert.Throws<ArgumentException>(() => Transpose.IntoScalar(a, 4, 5, 5, new float[19], 4));
    }
}
