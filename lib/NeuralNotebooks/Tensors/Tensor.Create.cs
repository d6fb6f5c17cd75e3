namespace NeuralNotebooks;

// Ways to make a tensor.
public sealed partial class Tensor
{
    /// <summary>A rank-0 tensor holding one number.</summary>
    public static Tensor Scalar(float value) => new([value], Array.Empty<int>());

    /// <summary>A vector (rank 1) with a copy of the values.</summary>
    public static Tensor From(params float[] values) => new((float[])values.Clone(), values.Length);

    /// <summary>A matrix (rank 2) from a 2-D array, e.g. <c>new float[,] { { 1, 2 }, { 3, 4 } }</c>.</summary>
    public static Tensor From(float[,] values) => FromMultidimensional(values);

    /// <summary>A rank-3 tensor from a 3-D array.</summary>
    public static Tensor From(float[,,] values) => FromMultidimensional(values);

    /// <summary>A rank-4 tensor from a 4-D array.</summary>
    public static Tensor From(float[,,,] values) => FromMultidimensional(values);

    /// <summary>A matrix from nested arrays; every row must have the same length.</summary>
    public static Tensor From(float[][] rows) => FromNested(rows);

    /// <summary>A rank-3 tensor from nested arrays; all must be rectangular.</summary>
    public static Tensor From(float[][][] values) => FromNested(values);

    /// <summary>
    /// A tensor from any rectangular array or nested arrays of numbers (float, double, int, byte...),
    /// converted to float32: the shape is read from the nesting.
    /// </summary>
    public static Tensor FromArray(Array values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return values.Rank > 1 ? FromMultidimensional(values) : FromNested(values);
    }

    private static Tensor FromMultidimensional(Array values)
    {
        var shape = new int[values.Rank];
        for (int i = 0; i < shape.Length; i++) shape[i] = values.GetLength(i);
        var d = new float[values.Length];
        int k = 0;
        foreach (var v in values) d[k++] = Convert.ToSingle(v, System.Globalization.CultureInfo.InvariantCulture);
        return new Tensor(d, shape);
    }

    private static Tensor FromNested(Array values)
    {
        // Read the shape from the first element at each depth, then check every array against it.
        var shape = new List<int>();
        object? cur = values;
        while (cur is Array a && a.Rank == 1)
        {
            if (a.Length > 0 && a.GetValue(0) is null && a.GetType().GetElementType()!.IsArray)
                throw new ArgumentException($"Nested arrays: element 0 at depth {shape.Count} is null, not an array (a row never filled?).");
            shape.Add(a.Length);
            cur = a.Length > 0 ? a.GetValue(0) : null;
            if (a.Length == 0) break;
        }
        var d = new float[new Shape(shape.ToArray()).Size];
        int k = 0;
        Fill(values, 0);
        return new Tensor(d, shape.ToArray());

        void Fill(Array a, int depth)
        {
            if (a.Length != shape[depth])
                throw new ArgumentException($"Nested arrays are ragged: expected length {shape[depth]} at depth {depth}, found {a.Length}.");
            foreach (var item in a)
            {
                if (depth + 1 < shape.Count)
                {
                    if (item is not Array inner) throw new ArgumentException($"Nested arrays are ragged: expected an array at depth {depth + 1}, found {item ?? "null"}.");
                    Fill(inner, depth + 1);
                }
                else
                {
                    if (item is Array) throw new ArgumentException($"Nested arrays are ragged: found an array where a number was expected at depth {depth + 1}.");
                    if (item is null) throw new ArgumentException($"Nested arrays: a null where a number was expected at depth {depth + 1}.");
                    d[k++] = Convert.ToSingle(item, System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }
    }

    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(params int[] shape) => new(new float[new Shape(shape).Size], shape);

    /// <summary>A tensor of ones.</summary>
    public static Tensor Ones(params int[] shape) => Full(shape, 1f);

    /// <summary>A tensor with every element equal to <paramref name="value"/>.</summary>
    public static Tensor Full(Shape shape, float value)
    {
        var d = new float[shape.Size];
        Array.Fill(d, value);
        return new Tensor(d, shape);
    }

    /// <summary>A tensor of zeros with the shape of <paramref name="like"/>.</summary>
    public static Tensor ZerosLike(Tensor like) => new(new float[like.Size], like.Shape);

    /// <summary>The numbers 0, 1, ..., n-1.</summary>
    public static Tensor Arange(int n) => Arange(0, n, 1);

    /// <summary>
    /// The numbers start, start+step, ... up to but not including stop, as many as <c>torch.arange</c> gives for
    /// the same numbers typed in Python: ⌈(stop - start) / step⌉ in double, whose rounding now and then lets
    /// stop in (<c>Arange(0.3f, 3f, 0.3f)</c> ends on 3, as in PyTorch).
    /// </summary>
    public static Tensor Arange(float start, float stop, float step = 1f)
    {
        if (step == 0 || !float.IsFinite(step) || !float.IsFinite(start) || !float.IsFinite(stop))
            throw new ArgumentException($"arange: start, stop and step must be finite and step non-zero, got {Typed(start)}, {Typed(stop)}, {Typed(step)}.");
        if ((stop - start) * step < 0)
            throw new ArgumentException($"arange: a step of {Typed(step)} never gets from {Typed(start)} to {Typed(stop)}.");
        // Counted in double from the decimals the learner typed, as torch.arange(0, 0.3, 0.1) counts from
        // Python's doubles: from the floats, 0.1f being a little above 0.1 gave [0, 0.1, 0.2, 0.3], stop
        // included. A number computed rather than typed (MathF.PI / 8, 1f / 3) has no short decimal: its 7
        // digits overshoot (9 numbers ending on π), so then the floats count, as torch counts math.pi / 8.
        // (The smaller of the two counts, tried before, fell one short of torch's wherever the doubles'
        // rounding adds one: arange(0.3, 3, 0.3) has 10 numbers, the last 3.)
        double s = Typed(start), e = Typed(stop), st = Typed(step);
        double count = IsShortDecimal(start) && IsShortDecimal(stop) && IsShortDecimal(step)
            ? Math.Ceiling((e - s) / st)
            : Math.Ceiling(((double)stop - start) / step);
        if (count > Array.MaxLength)
            throw new ArgumentException($"arange: from {s} to {e} in steps of {st} is {count} numbers, more than one tensor can hold.");
        int n = (int)count;
        var d = new float[n];
        for (int i = 0; i < n; i++) d[i] = (float)(s + i * st);
        return new Tensor(d, n);
    }

    // The decimal a float was typed as (0.1f is 0.1, not 0.100000001490116): a float converts to decimal with its
    // 7 significant digits. Outside decimal's comfortable range, the float itself.
    private static double Typed(float f) => Math.Abs(f) is >= 1e-15f and < 1e15f ? (double)(decimal)f : f;

    // Whether f reads back from at most 6 significant digits (0.3f, 2.5e-3f), as a number typed in code does;
    // a computed one needs 7 to 9 (MathF.PI / 8 is 0.3926991).
    private static bool IsShortDecimal(float f)
    {
        var text = f.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        int e = text.IndexOfAny(['E', 'e']);
        var digits = (e < 0 ? text : text[..e]).Replace("-", "").Replace(".", "").Trim('0');
        return digits.Length <= 6;
    }

    /// <summary><paramref name="count"/> evenly spaced numbers from start to stop, both included (for plotting).</summary>
    public static Tensor Linspace(float start, float stop, int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), "linspace: count must be zero or more.");
        var d = new float[count];
        for (int i = 0; i < count; i++) d[i] = count == 1 ? start : start + (stop - start) * i / (count - 1);
        // Rounding left the last a little short of stop (0.99999994 for 0.1 to 1 in 10); torch.linspace ends on it.
        if (count > 1) d[^1] = stop;
        return new Tensor(d, count);
    }

    /// <summary>Samples of the normal distribution, from a seeded <see cref="Rng"/>.</summary>
    public static Tensor RandomNormal(Shape shape, Rng rng, float mean = 0f, float std = 1f) => rng.Normal(shape, mean, std);

    /// <summary>Samples uniform in [low, high), from a seeded <see cref="Rng"/>.</summary>
    public static Tensor RandomUniform(Shape shape, Rng rng, float low = 0f, float high = 1f) => rng.Uniform(shape, low, high);
}
