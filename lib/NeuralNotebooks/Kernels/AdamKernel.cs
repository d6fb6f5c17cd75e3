using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuralNotebooks.Kernels;

/// <summary>
/// Adam's update of one parameter tensor in a single pass: the moment estimates m and v and the
/// parameter p are read and written together, so memory is touched once per step. <see cref="Update"/>
/// and <see cref="UpdateInto"/> are vectorized with 512-, 256- and 128-bit vectors, widest first, then a
/// scalar tail (and share large tensors among the cores); <see cref="UpdateScalar"/> and
/// <see cref="UpdateIntoScalar"/> are their plain twins.
/// </summary>
public static class AdamKernel
{
    /// <summary>
    /// The smallest normal float, 2⁻¹²⁶. A new first moment m smaller than this in magnitude is stored as 0.
    /// <para>Why: where a weight's gradient stays 0 (a ReLU unit that no longer fires, a pixel that is always
    /// blank), m shrinks by β₁ = 0.9 a step into the subnormal floats and stays there, since 0.9 times a few
    /// of the smallest steps rounds back to itself. x86 processors take a slow path (a microcode assist) for
    /// arithmetic on subnormal floats. In the course CNN's dense layer 2% of m were stuck so after 1,000
    /// steps and 5% after 2,000, and Adam's pass took 210 to 226 µs in a training step instead of 111 to 115
    /// (`-- profile`, Zen 4).</para>
    /// <para>It moves no weight in practice: such an m changes its weight by less than α·2⁻¹²⁶/ε (1e-34 with
    /// Keras's defaults), below the last bit of any weight larger than 1e-26 (the course CNN, 1,200 steps,
    /// and MLP, 900, trained to the same bits either way). The second moment v is left as it is: it shrinks
    /// by β₂ = 0.999 a step, tens of thousands of steps from the subnormals, and with ε = 0 a v flushed to 0
    /// would divide by 0.</para>
    /// </summary>
    private const float SmallestNormal = 1.17549435e-38f;

    /// <summary>From this many parameters on, a tensor's update is shared among the cores (see <see cref="Run"/>).</summary>
    internal const int SharedFloats = 1 << 16;

    /// <summary>The shared update's grain: one 64-byte cache line of floats (see <see cref="Run"/>).</summary>
    internal const int GrainFloats = 16;

    /// <summary>
    /// <c>m ← β₁ m + (1 - β₁) g; v ← β₂ v + (1 - β₂) g²; p ← p - α m / d</c> with <c>d = √v + ε</c>, or
    /// <c>d = √(v + ε)</c> when <paramref name="epsilonInsideRoot"/>. α already holds the bias correction.
    /// An m below the smallest normal float in magnitude is stored as 0 (see <see cref="SmallestNormal"/>).
    /// </summary>
    public static void UpdateScalar(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float alpha,
        float beta1, float beta2, float epsilon, bool epsilonInsideRoot)
    {
        Check(p, g, m, v);
        float c1 = 1 - beta1, c2 = 1 - beta2;
        for (int i = 0; i < p.Length; i++)
        {
            float mi = beta1 * m[i] + c1 * g[i];
            if (MathF.Abs(mi) < SmallestNormal) mi = 0;
            float vi = beta2 * v[i] + c2 * g[i] * g[i];
            float denom = epsilonInsideRoot ? MathF.Sqrt(vi + epsilon) : MathF.Sqrt(vi) + epsilon;
            m[i] = mi;
            v[i] = vi;
            p[i] -= alpha * mi / denom;
        }
    }

    /// <summary>
    /// <see cref="UpdateScalar"/> with the new parameters written into <paramref name="next"/>, <paramref name="p"/>
    /// left as it was; returns whether every new value is within ±<paramref name="limit"/> (NaN never is).
    /// </summary>
    /// <remarks>
    /// With <paramref name="l2"/> other than 0 the gradient is taken as <c>g + l2·p</c>, an L2 penalty's
    /// (scikit-learn's <c>alpha</c>, PyTorch's Adam <c>weight_decay</c>), <paramref name="g"/> left as it was.
    /// </remarks>
    public static bool UpdateIntoScalar(ReadOnlySpan<float> p, Span<float> next, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        float alpha, float beta1, float beta2, float epsilon, bool epsilonInsideRoot, float limit, float l2 = 0)
    {
        if (next.Length < p.Length) throw new ArgumentException($"Adam: {p.Length} parameters do not fit in {next.Length}.");
        Check(p, g, m, v);
        // The twin refuses what UpdateInto refuses: copying p into an overlapping next would change p.
        if (p.Overlaps(next[..p.Length], out int offset) && offset != 0) throw new ArgumentException("Adam: the new parameters overlap the old ones.");
        if (l2 != 0)
        {
            var penalized = g[..p.Length].ToArray();
            Scalar.AddScaled(l2, p, penalized);
            g = penalized;
        }
        p.CopyTo(next);
        UpdateScalar(next[..p.Length], g, m, v, alpha, beta1, beta2, epsilon, epsilonInsideRoot);
        return Finite.IndexOfNonFiniteScalar(next[..p.Length], limit) < 0;
    }

    /// <inheritdoc cref="UpdateScalar"/>
    public static unsafe void Update(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float alpha,
        float beta1, float beta2, float epsilon, bool epsilonInsideRoot)
    {
        Check(p, g, m, v);
        fixed (float* pp = p) Run(pp, pp, g, m, v, p.Length, alpha, beta1, beta2, epsilon, epsilonInsideRoot, float.PositiveInfinity, l2: 0);
    }

    /// <summary>
    /// <inheritdoc cref="UpdateIntoScalar"/> In training this replaces an update in place followed by a pass
    /// that checked the weights and copied them aside (so that a step that broke them could be undone): the
    /// weights are read once and written once, and the check is made on values still in registers.
    /// </summary>
    [MethodImpl(JitHints.PerBatch)]
    public static unsafe bool UpdateInto(ReadOnlySpan<float> p, Span<float> next, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        float alpha, float beta1, float beta2, float epsilon, bool epsilonInsideRoot, float limit, float l2 = 0)
    {
        if (next.Length < p.Length) throw new ArgumentException($"Adam: {p.Length} parameters do not fit in {next.Length}.");
        Check(p, g, m, v);
        fixed (float* pp = p, pn = next)
        {
            if (pn < pp + p.Length && pp < pn + p.Length && pn != pp) throw new ArgumentException("Adam: the new parameters overlap the old ones.");
            return Run(pp, pn, g, m, v, p.Length, alpha, beta1, beta2, epsilon, epsilonInsideRoot, limit, l2);
        }
    }

    [MethodImpl(JitHints.PerBatch)]
    private static unsafe bool Run(float* p, float* next, ReadOnlySpan<float> g, Span<float> m, Span<float> v, int n, float alpha,
        float beta1, float beta2, float epsilon, bool epsilonInsideRoot, float limit, float l2)
    {
        int outside = 0;
        fixed (float* gp = g, mp = m, vp = v)
        {
            var part = new Part(p, next, gp, mp, vp, alpha, beta1, beta2, epsilon, epsilonInsideRoot, limit, l2, &outside);
            // From 64K floats on, shared among the cores (below, waking a thread does not pay back), cut in
            // grains of one cache line, so that on two cores the cut falls at the middle: where a dense layer
            // in training splits its kernel's rows (Gemm.InputSplitFor), so each core updates the half of
            // the kernel it multiplied and finds it in its cache. (4K-float grains cut the MLP's 78,400
            // weights at 40,960, 17 rows past the middle; a 64K grain at 65,536, so one core did five sixths
            // of the work while the other waited.)
            if (n < SharedFloats) part.Run(0, n);
            else ForkJoin.ForBalanced(n, GrainFloats, part);
        }
        return outside == 0;
    }

    /// <summary>The update of elements [from, to), one core's share; a share with a value outside the limit sets <c>*outside</c>.</summary>
    private readonly unsafe struct Part(float* p, float* next, float* g, float* m, float* v, float alpha, float b1, float b2, float eps, bool inside,
        float limit, float l2, int* outside) : IRangeBody
    {
        [MethodImpl(JitHints.PerBatch)]
        public void Run(int from, int to)
        {
            if (!Range(p, next, g, m, v, from, to, alpha, b1, b2, eps, inside, limit, l2)) *outside = 1;
        }
    }

    private static void Check(ReadOnlySpan<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v)
    {
        if (g.Length < p.Length || m.Length < p.Length || v.Length < p.Length)
            throw new ArgumentException($"Adam: {p.Length} parameters need as many gradients ({g.Length}), first moments ({m.Length}) and second moments ({v.Length}).");
    }

    /// <summary>
    /// Reads p and writes next (the same array in an update in place); an m below the smallest normal float
    /// is stored as 0 (see <see cref="SmallestNormal"/>). |next| ≤ limit is false for NaN as
    /// well as for large values; its comparisons are gathered in a mask and tested once at the end. An L2
    /// term is added to the gradient as it is read, as <c>l2·p + g</c>: the bits of adding it to the gradient
    /// in a pass of its own first (<see cref="Simd.AddScaled"/>), without that pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe bool Range(float* p, float* next, float* g, float* m, float* v, int from, int to, float alpha, float b1, float b2,
        float eps, bool inside, float limit, float l2)
    {
        int i = from;
        float c1 = 1 - b1, c2 = 1 - b2;
        bool within = true, penalized = l2 != 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> vb1 = Vector512.Create(b1), vc1 = Vector512.Create(c1), vb2 = Vector512.Create(b2), vc2 = Vector512.Create(c2);
            Vector512<float> va = Vector512.Create(alpha), ve = Vector512.Create(eps), bound = Vector512.Create(limit), vl2 = Vector512.Create(l2);
            var normal = Vector512.Create(SmallestNormal);
            var fine = Vector512<float>.AllBitsSet;
            for (; i <= to - 16; i += 16)
            {
                var pv = Vector512.Load(p + i);
                var gi = Vector512.Load(g + i);
                if (penalized) gi = vl2 * pv + gi;
                var mi = vb1 * Vector512.Load(m + i) + vc1 * gi;
                mi = Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(mi), normal), Vector512<float>.Zero, mi);
                var vi = vb2 * Vector512.Load(v + i) + vc2 * gi * gi;
                var denom = inside ? Vector512.Sqrt(vi + ve) : Vector512.Sqrt(vi) + ve;
                var pi = pv - va * mi / denom;
                Vector512.Store(mi, m + i);
                Vector512.Store(vi, v + i);
                Vector512.Store(pi, next + i);
                fine &= Vector512.LessThanOrEqual(Vector512.Abs(pi), bound);
            }
            within = fine.AsInt32() == Vector512<int>.AllBitsSet;
        }
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> vb1 = Vector256.Create(b1), vc1 = Vector256.Create(c1), vb2 = Vector256.Create(b2), vc2 = Vector256.Create(c2);
            Vector256<float> va = Vector256.Create(alpha), ve = Vector256.Create(eps), bound = Vector256.Create(limit), vl2 = Vector256.Create(l2);
            var normal = Vector256.Create(SmallestNormal);
            var fine = Vector256<float>.AllBitsSet;
            for (; i <= to - 8; i += 8)
            {
                var pv = Vector256.Load(p + i);
                var gi = Vector256.Load(g + i);
                if (penalized) gi = vl2 * pv + gi;
                var mi = vb1 * Vector256.Load(m + i) + vc1 * gi;
                mi = Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(mi), normal), Vector256<float>.Zero, mi);
                var vi = vb2 * Vector256.Load(v + i) + vc2 * gi * gi;
                var denom = inside ? Vector256.Sqrt(vi + ve) : Vector256.Sqrt(vi) + ve;
                var pi = pv - va * mi / denom;
                Vector256.Store(mi, m + i);
                Vector256.Store(vi, v + i);
                Vector256.Store(pi, next + i);
                fine &= Vector256.LessThanOrEqual(Vector256.Abs(pi), bound);
            }
            within &= fine.AsInt32() == Vector256<int>.AllBitsSet;
        }
        if (Vector128.IsHardwareAccelerated)
        {
            Vector128<float> vb1 = Vector128.Create(b1), vc1 = Vector128.Create(c1), vb2 = Vector128.Create(b2), vc2 = Vector128.Create(c2);
            Vector128<float> va = Vector128.Create(alpha), ve = Vector128.Create(eps), bound = Vector128.Create(limit), vl2 = Vector128.Create(l2);
            var normal = Vector128.Create(SmallestNormal);
            var fine = Vector128<float>.AllBitsSet;
            for (; i <= to - 4; i += 4)
            {
                var pv = Vector128.Load(p + i);
                var gi = Vector128.Load(g + i);
                if (penalized) gi = vl2 * pv + gi;
                var mi = vb1 * Vector128.Load(m + i) + vc1 * gi;
                mi = Vector128.ConditionalSelect(Vector128.LessThan(Vector128.Abs(mi), normal), Vector128<float>.Zero, mi);
                var vi = vb2 * Vector128.Load(v + i) + vc2 * gi * gi;
                var denom = inside ? Vector128.Sqrt(vi + ve) : Vector128.Sqrt(vi) + ve;
                var pi = pv - va * mi / denom;
                Vector128.Store(mi, m + i);
                Vector128.Store(vi, v + i);
                Vector128.Store(pi, next + i);
                fine &= Vector128.LessThanOrEqual(Vector128.Abs(pi), bound);
            }
            within &= fine.AsInt32() == Vector128<int>.AllBitsSet;
        }
        for (; i < to; i++)
        {
            float gi = penalized ? l2 * p[i] + g[i] : g[i];
            float mi = b1 * m[i] + c1 * gi;
            if (MathF.Abs(mi) < SmallestNormal) mi = 0;
            float vi = b2 * v[i] + c2 * gi * gi;
            float denom = inside ? MathF.Sqrt(vi + eps) : MathF.Sqrt(vi) + eps;
            float pi = p[i] - alpha * mi / denom;
            m[i] = mi;
            v[i] = vi;
            next[i] = pi;
            within &= MathF.Abs(pi) <= limit;
        }
        return within;
    }
}
