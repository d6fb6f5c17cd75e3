using System.Runtime.CompilerServices;

namespace NeuralNotebooks.Kernels;

/// <summary>How a 6-row panel of A lies in memory: the unrolled micro-kernel is compiled once for each.</summary>
internal enum PanelKind
{
    /// <summary>Packed by PackA: row r of depth step p at r + MR·p.</summary>
    Packed,
    /// <summary>Read in place from an A stored m×k: row r of step p at r·k + p.</summary>
    Rows,
    /// <summary>Read in place from an A stored k×m (transposed): row r of step p at r + m·p.</summary>
    Columns,
}

/// <summary>A panel layout known when the kernel is compiled (a struct per kind, as the vector widths are).</summary>
internal interface IPanelLayout
{
    static abstract PanelKind Kind { get; }
}

/// <summary>
/// How many rows of a 6-row tile a kernel computes, known when it is compiled: six for a whole panel of A,
/// fewer for a partial last one, whose zero padding would otherwise be multiplied only to be dropped.
/// </summary>
internal interface ITileRows
{
    static abstract int Rows { get; }
}

internal struct Rows1 : ITileRows { public static int Rows => 1; }
internal struct Rows2 : ITileRows { public static int Rows => 2; }
internal struct Rows3 : ITileRows { public static int Rows => 3; }
internal struct Rows4 : ITileRows { public static int Rows => 4; }
internal struct Rows5 : ITileRows { public static int Rows => 5; }
internal struct Rows6 : ITileRows { public static int Rows => 6; }

internal struct PackedPanel : IPanelLayout { public static PanelKind Kind => PanelKind.Packed; }
internal struct RowPanel : IPanelLayout { public static PanelKind Kind => PanelKind.Rows; }
internal struct ColumnPanel : IPanelLayout { public static PanelKind Kind => PanelKind.Columns; }

internal static unsafe partial class Gemm
{
    /// <summary>
    /// The micro-kernel for a packed B (NR floats per depth step), four depth steps per pass of its loop,
    /// compiled once per layout of A. With the layout known, each load's address is a register plus a
    /// constant, and a pass costs a few integer instructions for four steps where the general kernel
    /// (<see cref="Kernel{TR}(int, float*, long, long, float*, long, float*, int, bool)"/>) spends six per step.
    /// In some phases of the 2-core VM this was measured on, those held the general kernel below the
    /// multiply-add units: from L1 on one core its loop ran at 71-75 GFLOP/s, the same loop with constant
    /// offsets unrolled four times at 88-90, the units alone at 94 (the loops written out in assembly, one
    /// process); in other phases all three ran at 95-100. Each accumulator takes its depth steps in the
    /// same order as in the general kernel, so the two give the same bits. For a partial last panel of A,
    /// compiled for <typeparamref name="TR"/>'s count of its rows (<see cref="EdgeRows(int, int, float*, float*, long, float*)"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UnrolledKernel<TW, TV, TA, TR>(int kc, float* a, long rowA, long stepA, float* b, float* c, int ldc, bool add)
        where TW : struct, IWidth<TV> where TV : struct where TA : struct, IPanelLayout where TR : struct, ITileRows
    {
        TV c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        TV c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int p = 0;
        if (TA.Kind == PanelKind.Rows)
        {
            // A pointer per row: a row offset of 3 to 5 times rowA is no scaled index.
            float* a1 = a + rowA, a2 = a1 + rowA, a3 = a2 + rowA, a4 = a3 + rowA, a5 = a4 + rowA;
            for (; p + 4 <= kc; p += 4, a += 4, a1 += 4, a2 += 4, a3 += 4, a4 += 4, a5 += 4, b += 4 * NR)
            {
                Step<TW, TV, RowPanel, TR>(0, a, a1, a2, a3, a4, a5, b, 0 * NR, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
                Step<TW, TV, RowPanel, TR>(1, a, a1, a2, a3, a4, a5, b, 1 * NR, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
                Step<TW, TV, RowPanel, TR>(2, a, a1, a2, a3, a4, a5, b, 2 * NR, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
                Step<TW, TV, RowPanel, TR>(3, a, a1, a2, a3, a4, a5, b, 3 * NR, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            }
            for (; p < kc; p++, a++, a1++, a2++, a3++, a4++, a5++, b += NR)
                Step<TW, TV, RowPanel, TR>(0, a, a1, a2, a3, a4, a5, b, 0, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
        }
        else
        {
            // Each step's six rows are adjacent. Packed, the steps of a pass are constant offsets from a (step s
            // at s·MR); read by columns, they are stepA apart, a pointer each. The JIT drops the unused pointers.
            if (TA.Kind == PanelKind.Packed) stepA = MR;
            float* q1 = a + stepA, q2 = q1 + stepA, q3 = q2 + stepA;
            long pass = 4 * stepA;
            for (; p + 4 <= kc; p += 4, a += pass, q1 += pass, q2 += pass, q3 += pass, b += 4 * NR)
            {
                Step<TW, TV, PackedPanel, TR>(0, a, a, a, a, a, a, b, 0 * NR, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
                Step<TW, TV, PackedPanel, TR>(TA.Kind == PanelKind.Packed ? 1 : 0, TA.Kind == PanelKind.Packed ? a : q1, a, a, a, a, a, b, 1 * NR, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
                Step<TW, TV, PackedPanel, TR>(TA.Kind == PanelKind.Packed ? 2 : 0, TA.Kind == PanelKind.Packed ? a : q2, a, a, a, a, a, b, 2 * NR, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
                Step<TW, TV, PackedPanel, TR>(TA.Kind == PanelKind.Packed ? 3 : 0, TA.Kind == PanelKind.Packed ? a : q3, a, a, a, a, a, b, 3 * NR, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            }
            for (; p < kc; p++, a += stepA, b += NR)
                Step<TW, TV, PackedPanel, TR>(0, a, a, a, a, a, a, b, 0, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
        }
        PutRows<TW, TV, TR>(c, ldc, add, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
    }

    /// <summary>
    /// Depth step <paramref name="s"/> of a pass: two vectors of B from <paramref name="bAt"/> floats past
    /// <paramref name="b"/>, six broadcasts of A, twelve multiply-adds. A packed panel's six values are read
    /// from <paramref name="a0"/> alone, a panel of rows from a pointer per row. The step and the offset are
    /// constants in the unrolled loops, so they become part of each load's address rather than
    /// instructions that advance pointers. (The layout test is written out in each load: through a local the
    /// JIT loads the value apart from the broadcast, an extra instruction each, and the kernel ran slower
    /// than the general one.) Rows from <typeparamref name="TR"/>'s count on are neither read nor computed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<TW, TV, TA, TR>(int s, float* a0, float* a1, float* a2, float* a3, float* a4, float* a5, float* b, long bAt,
        ref TV c00, ref TV c01, ref TV c10, ref TV c11, ref TV c20, ref TV c21, ref TV c30, ref TV c31, ref TV c40, ref TV c41, ref TV c50, ref TV c51)
        where TW : struct, IWidth<TV> where TV : struct where TA : struct, IPanelLayout where TR : struct, ITileRows
    {
        var b0 = TW.Load(b + bAt);
        var b1 = TW.Load(b + bAt + TW.Lanes);
        var x = TW.Broadcast(TA.Kind == PanelKind.Packed ? a0[s * MR] : a0[s]);
        c00 = TW.MultiplyAdd(x, b0, c00); c01 = TW.MultiplyAdd(x, b1, c01);
        if (TR.Rows < 2) return;
        x = TW.Broadcast(TA.Kind == PanelKind.Packed ? a0[s * MR + 1] : a1[s]);
        c10 = TW.MultiplyAdd(x, b0, c10); c11 = TW.MultiplyAdd(x, b1, c11);
        if (TR.Rows < 3) return;
        x = TW.Broadcast(TA.Kind == PanelKind.Packed ? a0[s * MR + 2] : a2[s]);
        c20 = TW.MultiplyAdd(x, b0, c20); c21 = TW.MultiplyAdd(x, b1, c21);
        if (TR.Rows < 4) return;
        x = TW.Broadcast(TA.Kind == PanelKind.Packed ? a0[s * MR + 3] : a3[s]);
        c30 = TW.MultiplyAdd(x, b0, c30); c31 = TW.MultiplyAdd(x, b1, c31);
        if (TR.Rows < 5) return;
        x = TW.Broadcast(TA.Kind == PanelKind.Packed ? a0[s * MR + 4] : a4[s]);
        c40 = TW.MultiplyAdd(x, b0, c40); c41 = TW.MultiplyAdd(x, b1, c41);
        if (TR.Rows < 6) return;
        x = TW.Broadcast(TA.Kind == PanelKind.Packed ? a0[s * MR + 5] : a5[s]);
        c50 = TW.MultiplyAdd(x, b0, c50); c51 = TW.MultiplyAdd(x, b1, c51);
    }
}
