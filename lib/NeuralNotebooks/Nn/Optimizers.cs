using System.Globalization;
using System.Runtime.CompilerServices;
using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

/// <summary>
/// Updates parameters from their gradients. Each optimizer keeps per-parameter state (momentum,
/// running averages) and applies Keras's formula and defaults, stated on each class.
/// </summary>
public abstract class Optimizer
{
    // Per parameter: its state arrays and its own step count. Counted per parameter as PyTorch counts them: a
    // parameter first seen after others had taken 1,000 steps took its first Adam step with step 1,001's bias
    // correction, 2.5 times too large (a second model compiled with the first one's optimizer).
    private readonly ConditionalWeakTable<Tensor, State> _state = new();

    private sealed class State(float[][] slots)
    {
        public readonly float[][] Slots = slots;
        public int Steps;
    }

    private float _learningRate;

    /// <summary>The step size η, above 0.</summary>
    public float LearningRate
    {
        get => _learningRate;
        // The constructor's check holds for a change too: a negative rate made training climb the loss.
        set => _learningRate = Positive(value, nameof(value));
    }

    /// <summary>
    /// Decoupled weight decay (Keras's <c>weight_decay</c>, AdamW's form): before each update every
    /// parameter shrinks by <c>LearningRate · WeightDecay · p</c>. 0 (off) by default.
    /// </summary>
    public float WeightDecay
    {
        get;
        init => field = value >= 0 ? value
            : throw new ArgumentOutOfRangeException(nameof(value), string.Create(CultureInfo.InvariantCulture, $"{GetType().Name}: weight decay must be 0 or more, got {value}."));
    }

    /// <summary>How many steps have been taken (Keras's <c>iterations</c>); a step <c>Fit</c> refused as diverged does not count.</summary>
    public int Iterations { get; private set; }

    /// <summary>Creates an optimizer with the given learning rate.</summary>
    protected Optimizer(float learningRate)
    {
        _learningRate = Positive(learningRate, nameof(learningRate));
    }

    private static float Positive(float learningRate, string name) => float.IsFinite(learningRate) && learningRate > 0 ? learningRate
        : throw new ArgumentOutOfRangeException(name, string.Create(CultureInfo.InvariantCulture, $"The learning rate must be a positive, finite number, got {learningRate}."));

    /// <summary>
    /// A decay rate or momentum in [0, 1) (or [0, 1] where <paramref name="oneAllowed"/>), an ε of 0 or more:
    /// outside them the moments grow without bound or divide by zero, and training fails with advice about
    /// the learning rate that does not apply.
    /// </summary>
    private protected static float InUnitInterval(float value, string name, string optimizer, bool oneAllowed = false) =>
        value >= 0 && (value < 1 || oneAllowed && value == 1) ? value
            : throw new ArgumentOutOfRangeException(name, string.Create(CultureInfo.InvariantCulture, $"{optimizer}: {name} must be in [0, 1{(oneAllowed ? "]" : ")")}, got {value}."));

    private protected static float NonNegative(float value, string name, string optimizer) =>
        value >= 0 ? value : throw new ArgumentOutOfRangeException(name, string.Create(CultureInfo.InvariantCulture, $"{optimizer}: {name} must be 0 or more, got {value}."));

    /// <summary>Number of state arrays per parameter (momentum, averages...).</summary>
    protected abstract int SlotCount { get; }

    /// <summary>One update of one parameter at its step <paramref name="t"/> (1 for its first).</summary>
    protected abstract void Update(Span<float> p, ReadOnlySpan<float> g, float[][] slots, int t);

    /// <summary>Takes one step: updates every parameter from its gradient (same order, same shapes).</summary>
    public void Step(IReadOnlyList<Tensor> parameters, IReadOnlyList<Tensor> gradients)
    {
        if (parameters.Count != gradients.Count) throw new ArgumentException($"{GetType().Name}: {parameters.Count} parameters but {gradients.Count} gradients.");
        // Every pair is checked before any is updated: a mismatch leaves the parameters and the step count as they were.
        for (int i = 0; i < parameters.Count; i++)
            if (parameters[i].Shape != gradients[i].Shape)
                throw new ArgumentException($"{GetType().Name}: parameter {i} has shape {parameters[i].Shape} but its gradient {gradients[i].Shape}.");
        Iterations++;
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i]; var g = gradients[i];
            var state = StateOf(p);
            if (WeightDecay != 0) Simd.AddScaled(-LearningRate * WeightDecay, p.data, p.data);
            Update(p.data, g.data, state.Slots, ++state.Steps);
        }
    }

    /// <summary>
    /// Takes one step as <see cref="Step"/> does, but writes each parameter's new values into
    /// <paramref name="next"/>[i] and leaves the parameters as they were, so that training can keep or
    /// drop the step without a copy (see <c>Trainer</c>). Returns the index of the first parameter with a
    /// new value outside ±<paramref name="limit"/> (NaN never is inside), or -1. The optimizer's own state
    /// (moments, step counts) has moved on either way; <see cref="Refuse"/> drops it when the step is not kept.
    /// </summary>
    /// <remarks>
    /// <paramref name="l2"/>, when given: per parameter, an L2 penalty's coefficient λ, whose gradient term
    /// λ·p this optimizer adds to the gradient itself as it reads it (see <see cref="AddsL2"/>).
    /// </remarks>
    [MethodImpl(JitHints.PerBatch)]
    internal int StepInto(IReadOnlyList<Tensor> parameters, IReadOnlyList<Tensor> gradients, float[][] next, float limit, float[]? l2 = null)
    {
        if (parameters.Count != gradients.Count || parameters.Count != next.Length)
            throw new ArgumentException($"{GetType().Name}: {parameters.Count} parameters, {gradients.Count} gradients and {next.Length} arrays for their new values.");
        Iterations++;
        int first = -1;
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i]; var g = gradients[i];
            if (p.Size != g.Size || next[i].Length != p.Size)
                throw new ArgumentException($"{GetType().Name}: parameter {i} has shape {p.Shape}, its gradient {g.Shape}, the array for its new values {next[i].Length} elements.");
            var state = StateOf(p);
            if (!UpdateInto(p.data, next[i], g.data, state.Slots, ++state.Steps, limit, l2 is null ? 0 : l2[i]) && first < 0) first = i;
        }
        return first;
    }

    /// <summary>
    /// One update of one parameter into <paramref name="next"/>, <paramref name="p"/> unchanged; whether every
    /// new value is within ±<paramref name="limit"/>. This one copies p, applies the weight decay and
    /// <see cref="Update"/> to the copy, and checks it; an optimizer with a kernel that reads p and writes
    /// next in one pass overrides it.
    /// </summary>
    internal virtual bool UpdateInto(ReadOnlySpan<float> p, Span<float> next, ReadOnlySpan<float> g, float[][] slots, int t, float limit, float l2)
    {
        if (l2 != 0) throw new InvalidOperationException($"{GetType().Name} does not add an L2 term to its gradients itself.");
        p.CopyTo(next);
        if (WeightDecay != 0) Simd.AddScaled(-LearningRate * WeightDecay, p, next);
        Update(next, g, slots, t);
        return Finite.IndexOfNonFinite(next, limit) < 0;
    }

    /// <summary>
    /// Whether <see cref="StepInto"/> adds an L2 penalty's gradient term itself, in its own pass over the
    /// parameters, so that the trainer need not add it to the gradients in a pass of its own.
    /// </summary>
    internal virtual bool AddsL2 => false;

    /// <summary>
    /// Forgets the step <see cref="StepInto"/> just took for <paramref name="parameters"/>, which training did not keep
    /// (it diverged): it no longer counts, and their state starts afresh, as for new parameters. The state it
    /// overwrote is gone (keeping a copy would cost a pass over every moment per step), and kept as it was left,
    /// a NaN in Adam's averages or SGD's momentum of 1e10 failed every later step, so that Fit could never resume.
    /// </summary>
    internal void Refuse(IReadOnlyList<Tensor> parameters)
    {
        foreach (var p in parameters) _state.Remove(p);
        Iterations--;
    }

    // Looked up before creating: a GetValue with a lambda that reads SlotCount would allocate a delegate per parameter per step.
    [MethodImpl(JitHints.PerBatch)]
    private State StateOf(Tensor p)
    {
        if (_state.TryGetValue(p, out var state)) return state;
        var slots = new float[SlotCount][];
        for (int s = 0; s < slots.Length; s++) slots[s] = new float[p.Size];
        state = new State(slots);
        _state.Add(p, state);
        return state;
    }

    /// <summary>Looks an optimizer up by Keras's name with its defaults: "sgd", "rmsprop", "adam".</summary>
    public static Optimizer Get(string name) => (name ?? throw new ArgumentNullException(nameof(name))).ToLowerInvariant() switch
    {
        "sgd" => new SGD(),
        "rmsprop" => new RMSprop(),
        "adam" => new Adam(),
        _ => throw new ArgumentException($"Unknown optimizer '{name}'. Known: sgd, rmsprop, adam."),
    };
}

/// <summary>
/// Stochastic gradient descent, Keras's form: without momentum <c>p ← p - η g</c>; with momentum
/// <c>v ← μ v - η g; p ← p + v</c>; Nesterov <c>p ← p + μ v - η g</c> (v updated first). Defaults η = 0.01,
/// μ = 0. PyTorch's momentum (<c>b ← μ b + g; p ← p - η b</c>) is the same for a constant η.
/// </summary>
public sealed class SGD(float learningRate = 0.01f, float momentum = 0f, bool nesterov = false) : Optimizer(learningRate)
{
    /// <summary>The momentum μ.</summary>
    public float Momentum { get; } = InUnitInterval(momentum, nameof(momentum), "SGD", oneAllowed: true);   // Keras: [0, 1]
    /// <summary>Whether to use Nesterov momentum.</summary>
    public bool Nesterov { get; } = nesterov;

    /// <inheritdoc/>
    protected override int SlotCount => Momentum == 0 ? 0 : 1;

    /// <inheritdoc/>
    protected override void Update(Span<float> p, ReadOnlySpan<float> g, float[][] slots, int t)
    {
        float lr = LearningRate, mu = Momentum;
        if (mu == 0) { Simd.AddScaled(-lr, g, p); return; }
        var v = slots[0];
        for (int i = 0; i < p.Length; i++)
        {
            v[i] = mu * v[i] - lr * g[i];
            p[i] += Nesterov ? mu * v[i] - lr * g[i] : v[i];
        }
    }
}

/// <summary>
/// RMSprop, Keras's form: <c>v ← ρ v + (1 - ρ) g²; p ← p - η g / √(v + ε)</c>. Defaults η = 0.001, ρ = 0.9,
/// ε = 1e-7. (PyTorch puts ε outside the square root, <c>η g / (√v + ε)</c>: the same unless gradients are tiny.)
/// </summary>
public sealed class RMSprop(float learningRate = 0.001f, float rho = 0.9f, float epsilon = 1e-7f) : Optimizer(learningRate)
{
    /// <summary>The decay ρ of the running average of squared gradients.</summary>
    public float Rho { get; } = InUnitInterval(rho, nameof(rho), "RMSprop");
    /// <summary>ε, for numerical stability.</summary>
    public float Epsilon { get; } = NonNegative(epsilon, nameof(epsilon), "RMSprop");

    /// <inheritdoc/>
    protected override int SlotCount => 1;

    /// <inheritdoc/>
    protected override void Update(Span<float> p, ReadOnlySpan<float> g, float[][] slots, int t)
    {
        var v = slots[0];
        float lr = LearningRate, rho = Rho, eps = Epsilon;
        for (int i = 0; i < p.Length; i++)
        {
            v[i] = rho * v[i] + (1 - rho) * g[i] * g[i];
            p[i] -= lr * g[i] / MathF.Sqrt(v[i] + eps);
        }
    }
}

/// <summary>
/// Adam, Keras's form: <c>m ← β₁ m + (1 - β₁) g; v ← β₂ v + (1 - β₂) g²; α = η √(1 - β₂ᵗ) / (1 - β₁ᵗ);
/// p ← p - α m / (√v + ε)</c>. Defaults η = 0.001, β₁ = 0.9, β₂ = 0.999, ε = 1e-7. (PyTorch adds ε after
/// the bias correction, <c>η m̂ / (√v̂ + ε)</c>: the same except for tiny gradients.)
/// </summary>
public sealed class Adam(float learningRate = 0.001f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f) : Optimizer(learningRate)
{
    /// <summary>β₁, the decay of the gradient average.</summary>
    public float Beta1 { get; } = InUnitInterval(beta1, nameof(beta1), "Adam");
    /// <summary>β₂, the decay of the squared-gradient average.</summary>
    public float Beta2 { get; } = InUnitInterval(beta2, nameof(beta2), "Adam");
    /// <summary>ε, for numerical stability.</summary>
    public float Epsilon { get; } = NonNegative(epsilon, nameof(epsilon), "Adam");

    /// <inheritdoc/>
    protected override int SlotCount => 2;

    /// <inheritdoc/>
    protected override void Update(Span<float> p, ReadOnlySpan<float> g, float[][] slots, int t)
    {
        AdamKernel.Update(p, g, slots[0], slots[1], Alpha(t), Beta1, Beta2, Epsilon, epsilonInsideRoot: false);
    }

    [MethodImpl(JitHints.PerBatch)]
    internal override bool UpdateInto(ReadOnlySpan<float> p, Span<float> next, ReadOnlySpan<float> g, float[][] slots, int t, float limit, float l2)
    {
        if (WeightDecay != 0) return base.UpdateInto(p, next, g, slots, t, limit, l2);
        return AdamKernel.UpdateInto(p, next, g, slots[0], slots[1], Alpha(t), Beta1, Beta2, Epsilon, epsilonInsideRoot: false, limit, l2);
    }

    /// <inheritdoc/>
    internal override bool AddsL2 => WeightDecay == 0;

    /// <summary>The step size with the bias correction of step <paramref name="t"/>.</summary>
    private float Alpha(int t) => (float)(LearningRate * Math.Sqrt(1 - Math.Pow(Beta2, t)) / (1 - Math.Pow(Beta1, t)));
}
