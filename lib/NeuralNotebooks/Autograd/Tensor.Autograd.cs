using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

// Reverse-mode automatic differentiation at tensor granularity, in the shape of micrograd:
// every operation that produces a tensor records its inputs and a closure that, given the
// gradient of the result, adds the gradients of its inputs. Backward() walks the graph in
// reverse topological order and calls those closures.
public sealed partial class Tensor
{
    private Tensor[] _parents = [];
    private Action? _backward;

    /// <summary>Whether operations on this tensor are recorded so that gradients flow back to it.</summary>
    public bool RequiresGrad { get; set; }

    /// <summary>
    /// The gradient from <see cref="Backward()"/>, same shape as the tensor; null before. A leaf (a tensor
    /// not computed from others, such as a weight) adds every backward pass's gradient to it, as in
    /// PyTorch, until <see cref="ZeroGrad"/>; a computed tensor holds the gradient of the last pass only.
    /// </summary>
    public Tensor? Grad { get; set; }

    /// <summary>The name of the operation that produced this tensor (e.g. "matmul"), or null for a leaf.</summary>
    public string? Op { get; private set; }

    /// <summary>Marks the tensor as a parameter whose gradient is wanted, and returns it.</summary>
    public Tensor RequireGrad(bool requires = true)
    {
        RequiresGrad = requires;
        return this;
    }

    /// <summary>A tensor with the same values that is cut off from the graph (no gradient flows through it). It shares this tensor's memory, as in PyTorch: writing into one changes the other.</summary>
    public Tensor Detach() => new(data, Shape);

    /// <summary>Forgets the accumulated gradient (call before each backward pass when training by hand).</summary>
    public void ZeroGrad() => Grad = null;

    /// <summary>
    /// Computes the gradient of this scalar with respect to every tensor it was computed from that
    /// requires a gradient, and adds it to their <see cref="Grad"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor has more than one element, or nothing requires a gradient.</exception>
    public void Backward()
    {
        if (Size != 1)
            throw new InvalidOperationException($"backward: the gradient can only be implicitly created for a scalar, but this tensor has shape {Shape}. Reduce it first (e.g. .Sum() or .Mean()) or call Backward(gradient).");
        Backward(Full(Shape, 1f));
    }

    /// <summary>Back-propagates <paramref name="gradient"/> (the gradient of some scalar with respect to this tensor).</summary>
    public void Backward(Tensor gradient)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        if (gradient.Shape != Shape)
            throw new ArgumentException($"backward: the gradient has shape {gradient.Shape} but the tensor has shape {Shape}.");
        if (!RequiresGrad)
            throw new InvalidOperationException("backward: this tensor does not require a gradient: nothing it was computed from has RequireGrad() set.");

        var order = TopologicalOrder();
        // A computed tensor's gradient is this pass's alone: one left from an earlier pass through a shared
        // part of the graph would be pushed down to the leaves a second time.
        foreach (var node in order) if (node._backward is not null) node.Grad = null;
        AccumulateGrad(gradient.data);
        for (int i = order.Count - 1; i >= 0; i--) order[i]._backward?.Invoke();
    }

    private List<Tensor> TopologicalOrder()
    {
        // Iterative depth-first search: a deep network would overflow a recursive one.
        var order = new List<Tensor>();
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor node, int next)>();
        stack.Push((this, 0));
        visited.Add(this);
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            if (next < node._parents.Length)
            {
                stack.Push((node, next + 1));
                var p = node._parents[next];
                if (p.RequiresGrad && visited.Add(p)) stack.Push((p, 0));
            }
            else order.Add(node);
        }
        return order;
    }

    /// <summary>Adds <paramref name="g"/> (same number of elements) to this tensor's gradient.</summary>
    internal void AccumulateGrad(ReadOnlySpan<float> g)
    {
        if (Grad is null) Grad = new Tensor(g.ToArray(), Shape);
        else Simd.Add(Grad.data, g, Grad.data);
    }

    /// <summary>Adds a gradient given for a broadcast shape, summing it back to this tensor's shape.</summary>
    internal void AccumulateGrad(float[] g, Shape gShape)
    {
        if (gShape == Shape) AccumulateGrad(g);
        else AccumulateGrad(Broadcasting.SumTo(g, gShape, Shape));
    }

    /// <summary>
    /// Records <paramref name="backward"/> as the way to push this result's gradient to its inputs,
    /// if gradients are enabled and any input requires one. Returns the result.
    /// </summary>
    internal Tensor Record(string op, Tensor[] parents, Action<float[]> backward)
    {
        Op = op;
        if (!GradMode.Enabled) return this;
        bool any = false;
        foreach (var p in parents) any |= p.RequiresGrad;
        if (!any) return this;
        RequiresGrad = true;
        _parents = parents;
        // The backward closures read their inputs' and output's values when they run: remember which
        // version of each they were computed from, and refuse to run on values changed since.
        var watched = new (float[] Data, int Version)[parents.Length + 1];
        for (int i = 0; i < parents.Length; i++) watched[i] = (parents[i].data, VersionOf(parents[i].data));
        watched[^1] = (data, VersionOf(data));
        _backward = () =>
        {
            if (Grad is null) return;
            foreach (var (values, version) in watched)
                if (VersionOf(values) != version)
                    throw new InvalidOperationException($"backward: a value that '{op}' used was changed by SetItem after the operation ran, so its gradient would use the new value " +
                        "(PyTorch: 'one of the variables needed for gradient computation has been modified by an inplace operation'). Compute the result again after the change.");
            backward(Grad.data);
        };
        return this;
    }

    /// <summary>
    /// How many times <see cref="SetItem"/> changed each array, shared by the tensors that view it (Detach,
    /// Reshape): PyTorch's version counter. Arrays never changed have no entry and are at version 0.
    /// </summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<float[], System.Runtime.CompilerServices.StrongBox<int>> Versions = new();

    private static int VersionOf(float[] values) => Versions.TryGetValue(values, out var box) ? box.Value : 0;

    /// <summary>Counts a change to this tensor's values, for <see cref="Record"/>'s check.</summary>
    private void Changed() => Versions.GetOrCreateValue(data).Value++;

    /// <summary>
    /// Turns off gradient recording until the returned scope is disposed, for inference:
    /// <c>using (Tensor.NoGrad()) { var y = model.Predict(x); }</c>.
    /// </summary>
    public static IDisposable NoGrad() => new GradMode.Scope();
}

/// <summary>
/// Whether operations record the graph, like PyTorch's grad mode. It follows the flow of the code rather
/// than the thread: a NoGrad scope around an await ends on whichever thread the code resumes on, and as a
/// thread-static counter it left that thread at -1 (recording off there for good) and the first at +1.
/// Parallel workers started inside the scope see it too.
/// </summary>
internal static class GradMode
{
    private static readonly AsyncLocal<int> DisabledDepth = new();

    public static bool Enabled => DisabledDepth.Value == 0;

    internal sealed class Scope : IDisposable
    {
        private bool _disposed;
        public Scope() => DisabledDepth.Value++;
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            DisabledDepth.Value--;
        }
    }
}
