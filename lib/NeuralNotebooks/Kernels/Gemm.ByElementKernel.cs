using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace NeuralNotebooks.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>
    /// The unrolled micro-kernel on Arm (NEON, as on an Apple Silicon Mac), whose multiply-add can take its
    /// scalar from one lane of a vector (FMLA by element). <see cref="UnrolledKernel{TW, TV, TA, TR}"/> broadcasts
    /// each value of A into a vector of its own; on Arm the JIT compiles that to a scalar load and a DUP, and
    /// the DUP runs on the vector pipes the multiply-adds need: six of them for every twelve multiply-adds.
    /// Here A is loaded whole vectors at a time and each multiply-add picks its lane, so a depth step is two
    /// loads of B, one or two of A and twelve multiply-adds. A panel of rows loads four depth steps of each
    /// row at once; a packed panel, or one read by columns, loads a step's six adjacent values as four and two.
    /// Each accumulator takes its depth steps in the same order as in the general kernel, fused as there, so
    /// the two give the same bits. (Read from the JIT's listings of both kernels for linux-arm64, .NET 10,
    /// and tested under emulation: tests/ArmEmulation. Not timed: no Arm machine has run it here.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ByElementKernel<TA>(int kc, float* a, long rowA, long stepA, float* b, float* c, int ldc, bool add)
        where TA : struct, IPanelLayout
    {
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector128<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int p = 0;
        if (TA.Kind == PanelKind.Rows)
        {
            float* a1 = a + rowA, a2 = a1 + rowA, a3 = a2 + rowA, a4 = a3 + rowA, a5 = a4 + rowA;
            for (; p + 4 <= kc; p += 4, a += 4, a1 += 4, a2 += 4, a3 += 4, a4 += 4, a5 += 4, b += 4 * NR)
            {
                // Row r's next four depth steps, one vector a row: step s is lane s of each.
                Vector128<float> r0 = Vector128.Load(a), r1 = Vector128.Load(a1), r2 = Vector128.Load(a2);
                Vector128<float> r3 = Vector128.Load(a3), r4 = Vector128.Load(a4), r5 = Vector128.Load(a5);
                LaneStep(0, b, r0, r1, r2, r3, r4, r5, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
                LaneStep(1, b + NR, r0, r1, r2, r3, r4, r5, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
                LaneStep(2, b + 2 * NR, r0, r1, r2, r3, r4, r5, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
                LaneStep(3, b + 3 * NR, r0, r1, r2, r3, r4, r5, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            }
            for (; p < kc; p++, a++, a1++, a2++, a3++, a4++, a5++, b += NR)
                Step<Width128, Vector128<float>, RowPanel, Rows6>(0, a, a1, a2, a3, a4, a5, b, 0, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
        }
        else
        {
            // A step's six rows are adjacent: packed, MR floats after the step before; read by columns, stepA.
            if (TA.Kind == PanelKind.Packed) stepA = MR;
            float* q1 = a + stepA, q2 = q1 + stepA, q3 = q2 + stepA;
            long pass = 4 * stepA;
            for (; p + 4 <= kc; p += 4, a += pass, q1 += pass, q2 += pass, q3 += pass, b += 4 * NR)
            {
                AdjacentStep(a, b, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
                AdjacentStep(TA.Kind == PanelKind.Packed ? a + MR : q1, b + NR, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
                AdjacentStep(TA.Kind == PanelKind.Packed ? a + 2 * MR : q2, b + 2 * NR, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
                AdjacentStep(TA.Kind == PanelKind.Packed ? a + 3 * MR : q3, b + 3 * NR, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            }
            for (; p < kc; p++, a += stepA, b += NR)
                Step<Width128, Vector128<float>, PackedPanel, Rows6>(0, a, a, a, a, a, a, b, 0, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
        }
        PutTile<Width128, Vector128<float>>(c, ldc, add, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
    }

    /// <summary>Depth step <paramref name="s"/> (a constant: the lane) of a panel of rows, whose values <paramref name="r0"/> to <paramref name="r5"/> hold.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LaneStep([ConstantExpected(Max = (byte)3)] byte s, float* b, Vector128<float> r0, Vector128<float> r1, Vector128<float> r2, Vector128<float> r3, Vector128<float> r4, Vector128<float> r5,
        ref Vector128<float> c00, ref Vector128<float> c01, ref Vector128<float> c10, ref Vector128<float> c11, ref Vector128<float> c20, ref Vector128<float> c21,
        ref Vector128<float> c30, ref Vector128<float> c31, ref Vector128<float> c40, ref Vector128<float> c41, ref Vector128<float> c50, ref Vector128<float> c51)
    {
        var b0 = Vector128.Load(b);
        var b1 = Vector128.Load(b + 4);
        c00 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c00, b0, r0, s); c01 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c01, b1, r0, s);
        c10 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c10, b0, r1, s); c11 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c11, b1, r1, s);
        c20 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c20, b0, r2, s); c21 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c21, b1, r2, s);
        c30 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c30, b0, r3, s); c31 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c31, b1, r3, s);
        c40 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c40, b0, r4, s); c41 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c41, b1, r4, s);
        c50 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c50, b0, r5, s); c51 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c51, b1, r5, s);
    }

    /// <summary>One depth step whose six values of A lie side by side at <paramref name="q"/>: rows 0 to 3 in one vector, 4 and 5 in a half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AdjacentStep(float* q, float* b,
        ref Vector128<float> c00, ref Vector128<float> c01, ref Vector128<float> c10, ref Vector128<float> c11, ref Vector128<float> c20, ref Vector128<float> c21,
        ref Vector128<float> c30, ref Vector128<float> c31, ref Vector128<float> c40, ref Vector128<float> c41, ref Vector128<float> c50, ref Vector128<float> c51)
    {
        var b0 = Vector128.Load(b);
        var b1 = Vector128.Load(b + 4);
        var lo = Vector128.Load(q);
        var hi = Vector64.Load(q + 4);
        c00 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c00, b0, lo, 0); c01 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c01, b1, lo, 0);
        c10 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c10, b0, lo, 1); c11 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c11, b1, lo, 1);
        c20 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c20, b0, lo, 2); c21 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c21, b1, lo, 2);
        c30 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c30, b0, lo, 3); c31 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c31, b1, lo, 3);
        c40 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c40, b0, hi, 0); c41 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c41, b1, hi, 0);
        c50 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c50, b0, hi, 1); c51 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c51, b1, hi, 1);
    }
}
