namespace NeuralNotebooks;

/// <summary>Weight initialisation schemes, like Keras's <c>kernel_initializer</c> strings.</summary>
internal static class Initializers
{
    /// <summary>The names <see cref="Fill"/> knows.</summary>
    public static readonly string[] Names = ["glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "zeros"];

    /// <summary><paramref name="name"/> if it is one of <see cref="Names"/>, else the error <see cref="Fill"/> would give at build time, now.</summary>
    public static string Known(string name) => Names.Contains(name ?? throw new ArgumentNullException(nameof(name))) ? name
        : throw new ArgumentException($"Unknown initializer '{name}'. Known: {string.Join(", ", Names)}.", nameof(name));

    /// <summary>Fills a kernel with fan-in <paramref name="fanIn"/> and fan-out <paramref name="fanOut"/>.</summary>
    public static void Fill(string name, Span<float> w, int fanIn, int fanOut, Rng rng)
    {
        switch (name)
        {
            case "glorot_uniform":
            {
                // Glorot & Bengio (2010): uniform in ±sqrt(6 / (fan_in + fan_out)); Keras's default.
                float limit = MathF.Sqrt(6f / (fanIn + fanOut));
                for (int i = 0; i < w.Length; i++) w[i] = rng.Uniform(-limit, limit);
                break;
            }
            case "glorot_normal":
            {
                float std = MathF.Sqrt(2f / (fanIn + fanOut));
                for (int i = 0; i < w.Length; i++) w[i] = TruncatedNormal(rng, std);
                break;
            }
            case "he_normal":
            {
                // He et al. (2015), for ReLU: standard deviation sqrt(2 / fan_in).
                float std = MathF.Sqrt(2f / fanIn);
                for (int i = 0; i < w.Length; i++) w[i] = TruncatedNormal(rng, std);
                break;
            }
            case "he_uniform":
            {
                float limit = MathF.Sqrt(6f / fanIn);
                for (int i = 0; i < w.Length; i++) w[i] = rng.Uniform(-limit, limit);
                break;
            }
            case "zeros": w.Clear(); break;
            default: throw new ArgumentException($"Unknown initializer '{name}'. Known: glorot_uniform, glorot_normal, he_normal, he_uniform, zeros.");
        }
    }

    /// <summary>Keras's truncated normal: redraw samples beyond two standard deviations (scaled so the variance is right).</summary>
    private static float TruncatedNormal(Rng rng, float std)
    {
        // Keras divides by 0.8796..., the standard deviation of a unit normal truncated at ±2.
        float s = std / 0.87962566103423978f;
        while (true)
        {
            float v = rng.Normal();
            if (MathF.Abs(v) <= 2f) return v * s;
        }
    }
}
