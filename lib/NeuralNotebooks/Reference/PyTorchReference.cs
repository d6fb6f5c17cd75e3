using System.Text.Json;

namespace NeuralNotebooks;

/// <summary>
/// Values computed by PyTorch for the same inputs the library is tested on, shipped in
/// <c>data/reference/*.json</c> (see data/reference/README.md for how they were made). Load a
/// file and compare: <c>PyTorchReference.Load("activations")["sigmoid"].Output</c>.
/// </summary>
public sealed class PyTorchReference
{
    private readonly Dictionary<string, ReferenceCase> _cases;

    private PyTorchReference(string path, string engine, List<ReferenceCase> cases)
    {
        Path = path;
        Engine = engine;
        Cases = cases;
        _cases = cases.ToDictionary(c => c.Name);
    }

    /// <summary>The file the values came from.</summary>
    public string Path { get; }

    /// <summary>The engine and versions that computed them, e.g. "PyTorch 1.13".</summary>
    public string Engine { get; }

    /// <summary>Every case in the file, in order.</summary>
    public IReadOnlyList<ReferenceCase> Cases { get; }

    /// <summary>The case with this name, or an error listing the names there are.</summary>
    public ReferenceCase this[string name] => _cases.TryGetValue(name, out var c)
        ? c
        : throw new KeyNotFoundException($"{Path} has no case '{name}'. Cases: {string.Join(", ", _cases.Keys)}.");

    /// <summary>
    /// Loads <c>data/reference/&lt;name&gt;.json</c> (found from the current directory or the library's
    /// folder upwards), or the file at <paramref name="name"/> when it is a path to a .json file.
    /// </summary>
    public static PyTorchReference Load(string name)
    {
        var path = name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && File.Exists(name)
            ? name
            : DataDirectory.Find(System.IO.Path.Combine("reference", name + ".json"));
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        string engine = root.TryGetProperty("engine", out var e) ? e.GetString() ?? "" : "";
        var cases = new List<ReferenceCase>();
        foreach (var c in root.GetProperty("cases").EnumerateArray()) cases.Add(ReferenceCase.Parse(c.Clone(), path));
        return new PyTorchReference(path, engine, cases);
    }

    /// <inheritdoc/>
    public override string ToString() => $"PyTorchReference({System.IO.Path.GetFileName(Path)}: {Cases.Count} cases, {Engine})";
}

/// <summary>One reference case: inputs, parameters, PyTorch's output and gradients, and the tolerance to compare with.</summary>
public sealed class ReferenceCase
{
    private ReferenceCase(JsonElement json, string file)
    {
        Json = json;
        File = file;
        Name = json.GetProperty("name").GetString()!;
        Kind = json.TryGetProperty("kind", out var k) ? k.GetString() ?? "" : "";
        Op = json.TryGetProperty("op", out var o) ? o.GetString() ?? "" : "";
        Inputs = ReadTensors(json, "inputs");
        Parameters = ReadTensors(json, "weights").Count > 0 ? ReadTensors(json, "weights") : ReadTensors(json, "parameters");
        Grads = ReadTensors(json, "grads");
        Output = json.TryGetProperty("output", out var y) && y.ValueKind == JsonValueKind.Object ? ReadTensor(y) : null;
        Dy = json.TryGetProperty("dy", out var dy) && dy.ValueKind == JsonValueKind.Object ? ReadTensor(dy) : null;
        // Most cases state rtol/atol; the end-to-end case names its tolerances per quantity (read from Json).
        if (json.TryGetProperty("tol", out var tol) && tol.TryGetProperty("rtol", out var rtol) && tol.TryGetProperty("atol", out var atol))
        {
            RelativeTolerance = rtol.GetSingle();
            AbsoluteTolerance = atol.GetSingle();
        }
    }

    internal static ReferenceCase Parse(JsonElement json, string file) => new(json, file);

    /// <summary>The case's name, unique in its file.</summary>
    public string Name { get; }
    /// <summary>"op", "activation", "loss", "layer", "optimizer" or "end_to_end".</summary>
    public string Kind { get; }
    /// <summary>The operation, e.g. "matmul" or "conv2d".</summary>
    public string Op { get; }
    /// <summary>The file the case came from.</summary>
    public string File { get; }
    /// <summary>The whole case as JSON, for fields beyond the common ones.</summary>
    public JsonElement Json { get; }
    /// <summary>The inputs by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Inputs { get; }
    /// <summary>The layer's parameters (weights) by name, in the library's layouts.</summary>
    public IReadOnlyDictionary<string, Tensor> Parameters { get; }
    /// <summary>PyTorch's output, if the case has one.</summary>
    public Tensor? Output { get; }
    /// <summary>The upstream gradient: the gradients are those of <c>Σ output ⊙ dy</c>.</summary>
    public Tensor? Dy { get; }
    /// <summary>PyTorch's gradients by input or parameter name.</summary>
    public IReadOnlyDictionary<string, Tensor> Grads { get; }
    /// <summary>The relative tolerance the comparison allows.</summary>
    public float RelativeTolerance { get; } = 1e-5f;
    /// <summary>The absolute tolerance the comparison allows.</summary>
    public float AbsoluteTolerance { get; } = 1e-6f;

    /// <summary>One input by name, or an error naming the case and the inputs it has.</summary>
    public Tensor Input(string name) => Get(Inputs, name, "input");
    /// <summary>One gradient by name.</summary>
    public Tensor Grad(string name) => Get(Grads, name, "gradient");
    /// <summary>One parameter by name.</summary>
    public Tensor Parameter(string name) => Get(Parameters, name, "parameter");

    /// <summary>A number from the case's <c>params</c>, e.g. <c>Param("exponent")</c>.</summary>
    public float Param(string name) => Json.GetProperty("params").GetProperty(name).GetSingle();

    /// <summary>Whether the case's <c>params</c> has this entry and it is not null.</summary>
    public bool HasParam(string name) =>
        Json.TryGetProperty("params", out var p) && p.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;

    /// <summary>A parameter that is a string, e.g. a padding mode.</summary>
    public string ParamString(string name) => Json.GetProperty("params").GetProperty(name).GetString()!;

    /// <summary>
    /// Whether <paramref name="actual"/> equals <paramref name="expected"/> within this case's tolerance,
    /// like <c>torch.allclose</c>: <c>|a - e| ≤ atol + rtol·|e|</c> element by element.
    /// </summary>
    public bool Close(Tensor expected, Tensor actual, out string why)
    {
        if (expected.Shape != actual.Shape) { why = $"{Name}: shape {actual.Shape}, PyTorch has {expected.Shape}"; return false; }
        var e = expected.AsSpan(); var a = actual.AsSpan();
        for (int i = 0; i < e.Length; i++)
            if (!(MathF.Abs(a[i] - e[i]) <= AbsoluteTolerance + RelativeTolerance * MathF.Abs(e[i])))
            {
                why = $"{Name}: element {i} is {a[i]}, PyTorch has {e[i]} (rtol {RelativeTolerance}, atol {AbsoluteTolerance})";
                return false;
            }
        why = "";
        return true;
    }

    /// <summary>The largest absolute difference between two tensors of the same shape.</summary>
    public static float MaxAbsDifference(Tensor expected, Tensor actual)
    {
        if (expected.Shape != actual.Shape) throw new ArgumentException($"Shapes differ: {expected.Shape} and {actual.Shape}.");
        float m = 0;
        var e = expected.AsSpan(); var a = actual.AsSpan();
        for (int i = 0; i < e.Length; i++) m = MathF.Max(m, MathF.Abs(e[i] - a[i]));
        return m;
    }

    private Tensor Get(IReadOnlyDictionary<string, Tensor> d, string name, string what) => d.TryGetValue(name, out var t)
        ? t
        : throw new KeyNotFoundException($"Reference case '{Name}' has no {what} '{name}'; it has: {string.Join(", ", d.Keys)}.");

    private static Dictionary<string, Tensor> ReadTensors(JsonElement json, string property)
    {
        var d = new Dictionary<string, Tensor>();
        if (!json.TryGetProperty(property, out var obj) || obj.ValueKind != JsonValueKind.Object) return d;
        foreach (var p in obj.EnumerateObject())
            if (p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("shape", out _) && p.Value.TryGetProperty("data", out _))
                d[p.Name] = ReadTensor(p.Value);
        return d;
    }

    internal static Tensor ReadTensor(JsonElement t)
    {
        var shape = t.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var data = t.GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        return new Tensor(data, shape);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Kind} {Op} '{Name}': inputs {string.Join(", ", Inputs.Select(i => $"{i.Key} {i.Value.Shape}"))}";
}
