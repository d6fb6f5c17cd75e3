using System.Globalization;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NeuralNotebooks;

public sealed partial class Sequential
{
    /// <summary>
    /// Saves the weights in the safetensors layout, a file a person can inspect: 8 bytes of header
    /// length (little-endian), a JSON header naming each tensor ("dense/kernel") with its dtype, shape
    /// and byte range, then the raw little-endian float32 data. The file is written beside the target
    /// and renamed into place, so a crash never leaves a half-written weights file.
    /// </summary>
    public void SaveWeights(string path)
    {
        if (!IsBuilt) throw new InvalidOperationException("SaveWeights: the model is not built yet.");
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        // A folder for a file name was created and then refused with "could not find a part of the path".
        if (Path.EndsInDirectorySeparator(path) || Directory.Exists(path))
            throw new ArgumentException($"SaveWeights: {path} is a folder; give a file name, such as {Path.Combine(path, "model.safetensors")}.", nameof(path));
        var header = new JsonObject { ["__metadata__"] = new JsonObject { ["format"] = "neuralnotebooks", ["model"] = Name } };
        long offset = 0;
        var tensors = new List<Tensor>();
        foreach (var (name, w, _) in NamedWeights())
        {
            header[name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(w.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + 4L * w.Size),
            };
            offset += 4L * w.Size;
            tensors.Add(w);
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        try { Directory.CreateDirectory(dir); }
        catch (IOException e)
        {
            // .NET said only that a file "already exists": a file stands where a folder of the path should be.
            throw new IOException($"SaveWeights: cannot write {full}: the folder {dir} cannot be created ({e.Message})", e);
        }
        // The file is replaced by a rename, which a read-only flag on the file does not stop: refused here,
        // as writing to it in place would be.
        if (File.Exists(full) && File.GetAttributes(full).HasFlag(FileAttributes.ReadOnly))
            throw new UnauthorizedAccessException($"SaveWeights: {full} is read-only; it was not replaced.");
        var temporary = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.partial");
        try
        {
            FileStream created;
            try { created = File.Create(temporary); }
            catch (UnauthorizedAccessException e)
            {
                // The error named the hidden temporary file, which the learner never asked for.
                throw new UnauthorizedAccessException($"SaveWeights: cannot write {full}: the folder {dir} is not writable.", e);
            }
            catch (IOException e)
            {
                // As above: in a folder where no file can be made (/proc), .NET "could not find" the temporary file.
                throw new IOException($"SaveWeights: cannot write {full}: no file can be created in {dir} ({e.GetType().Name}).", e);
            }
            using (var f = created)
            {
                Span<byte> len = stackalloc byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(len, json.Length);
                f.Write(len);
                f.Write(json);
                var buffer = new byte[4 * 4096];
                foreach (var t in tensors)
                {
                    var d = t.AsSpan();
                    for (int i = 0; i < d.Length; i += 4096)
                    {
                        int n = Math.Min(4096, d.Length - i);
                        for (int k = 0; k < n; k++) BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(4 * k), d[i + k]);
                        f.Write(buffer, 0, 4 * n);
                    }
                }
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>
    /// Loads weights saved by <see cref="SaveWeights"/> into this model. All or nothing: the whole
    /// file is read and checked first (the header, every tensor's dtype, shape and byte range, and
    /// that it holds exactly the model's tensors, none missing and none extra), and only then are the
    /// weights replaced. On any error the model is unchanged.
    /// </summary>
    /// <exception cref="DataFormatException">The file is not such a file, or does not match the model; the message says what differs.</exception>
    public void LoadWeights(string path)
    {
        if (!IsBuilt) throw new InvalidOperationException("LoadWeights: build the model first (give the first layer an inputShape).");
        if (Directory.Exists(path)) throw new FileNotFoundException($"{path} is a folder, not a weights file.", path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: the file does not exist.", path);
        var weights = NamedWeights();
        var file = WeightsFile.Read(path, File.ReadAllBytes(path));
        var staged = file.Match(weights.Select(w => (w.Name, w.Tensor.Shape.ToArray(), w.Layer.Describe())).ToList());
        for (int i = 0; i < weights.Count; i++) staged[i].CopyTo(weights[i].Tensor.AsSpan());
    }

    private List<(string Name, Tensor Tensor, Layer Layer)> NamedWeights()
    {
        var list = new List<(string, Tensor, Layer)>();
        // Every layer's trainable weights, then its non-trainable buffers (a BatchNorm's running mean).
        foreach (var l in _layers)
        {
            for (int i = 0; i < l.Weights.Count; i++) list.Add(($"{l.Name}/{l.WeightNames[i]}", l.Weights[i], l));
            for (int i = 0; i < l.Buffers.Count; i++) list.Add(($"{l.Name}/{l.BufferNames[i]}", l.Buffers[i], l));
        }
        return list;
    }
}

/// <summary>
/// A weights file read and checked in full, in the safetensors layout: every tensor's entry is
/// valid, the byte ranges tile the data exactly (no gaps, no overlaps, nothing past the end).
/// </summary>
internal sealed class WeightsFile
{
    /// <summary>A header longer than this is not a weights file (safetensors sets the same bound).</summary>
    private const long MaxHeaderLength = 100_000_000;

    private readonly string _path;
    private readonly byte[] _bytes;
    private readonly long _dataStart;
    private readonly Dictionary<string, (int[] Shape, long Begin, long End)> _tensors;

    private WeightsFile(string path, byte[] bytes, long dataStart, Dictionary<string, (int[], long, long)> tensors)
    {
        _path = path; _bytes = bytes; _dataStart = dataStart; _tensors = tensors;
    }

    /// <summary>The tensors' names, in the file's order.</summary>
    public IEnumerable<string> Names => _tensors.Keys;

    /// <summary>Parses and checks the header of <paramref name="bytes"/> (the content of <paramref name="path"/>).</summary>
    /// <exception cref="DataFormatException">Anything in the file is malformed.</exception>
    public static WeightsFile Read(string path, byte[] bytes)
    {
        DataFormatException Error(string message) => new(path, message);
        if (bytes.Length < 8) throw Error($"truncated: expected an 8-byte header length, found {bytes.Length} bytes.");
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        if (headerLength < 2 || headerLength > bytes.Length - 8 || headerLength > MaxHeaderLength)
            throw Error($"the header length {headerLength} does not fit in the file ({bytes.Length} bytes): not a weights file, or truncated.");
        long dataStart = 8 + headerLength, dataLength = bytes.Length - dataStart;
        if (!System.Text.Unicode.Utf8.IsValid(bytes.AsSpan(8, (int)headerLength)))
            throw Error("the header is not valid UTF-8 text: not a weights file, or damaged.");
        JsonDocument document;
        try { document = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength)); }
        catch (JsonException e) { throw Error($"the header is not valid JSON: {e.Message}"); }
        using var _ = document;
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw Error($"the header must be a JSON object of tensors, found {Kind(root)}.");
        var tensors = new Dictionary<string, (int[], long, long)>();
        bool metadata = false;
        foreach (var property in root.EnumerateObject())
        {
            string name = property.Name;
            if (name == "__metadata__")
            {
                if (metadata) throw Error("the header has two __metadata__ entries.");
                if (property.Value.ValueKind != JsonValueKind.Object) throw Error($"__metadata__ must be a JSON object, found {Kind(property.Value)}.");
                metadata = true;
                continue;
            }
            if (tensors.ContainsKey(name)) throw Error($"the header names tensor '{name}' twice.");
            tensors[name] = Entry(name, property.Value, dataLength, Error);
        }
        // The byte ranges must tile the data exactly, as safetensors requires: then no tensor can read
        // another's bytes or the header's, and a cut or padded file is caught.
        long cursor = 0;
        foreach (var (name, (_, begin, end)) in tensors.OrderBy(t => t.Value.Item2).ThenBy(t => t.Value.Item3))
        {
            if (begin != cursor)
                throw Error(begin < cursor
                    ? $"tensor '{name}' (bytes {begin}..{end}) overlaps the tensor before it, which ends at {cursor}."
                    : $"tensor '{name}' starts at byte {begin}, leaving bytes {cursor}..{begin} of the data unused.");
            cursor = end;
        }
        if (cursor != dataLength)
            throw Error($"the tensors end at byte {cursor} of the data, but the file has {dataLength} bytes of data ({dataLength - cursor} extra).");
        return new WeightsFile(path, bytes, dataStart, tensors);
    }

    private static (int[], long, long) Entry(string name, JsonElement value, long dataLength, Func<string, DataFormatException> error)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw error($"tensor '{name}': expected an object with dtype, shape and data_offsets, found {Kind(value)}.");
        if (!value.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String)
            throw error($"tensor '{name}' has no dtype string.");
        if (dtype.GetString() != "F32")
            throw error($"tensor '{name}' has dtype {dtype.GetRawText()}; the library stores and reads \"F32\" (float32) only.");
        if (!value.TryGetProperty("shape", out var shapeJson) || shapeJson.ValueKind != JsonValueKind.Array
            || shapeJson.EnumerateArray().Any(d => d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int v) || v < 0))
            throw error($"tensor '{name}': shape must be a list of non-negative integers, found {Raw(value, "shape")}.");
        var shape = shapeJson.EnumerateArray().Select(d => d.GetInt32()).ToArray();
        if (!value.TryGetProperty("data_offsets", out var range) || range.ValueKind != JsonValueKind.Array || range.GetArrayLength() != 2
            || range.EnumerateArray().Any(d => d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long v) || v < 0))
            throw error($"tensor '{name}': data_offsets must be two non-negative integers [begin, end], found {Raw(value, "data_offsets")}.");
        long begin = range[0].GetInt64(), end = range[1].GetInt64();
        if (begin > end) throw error($"tensor '{name}' has data_offsets [{begin}, {end}], which end before they begin.");
        if (end > dataLength)
            throw error($"tensor '{name}' has bytes {begin}..{end}, past the end of the data ({dataLength} bytes): the file is truncated.");
        long bytes = 4;
        try { foreach (int d in shape) bytes = checked(bytes * d); }
        catch (OverflowException) { bytes = long.MaxValue; }
        if (bytes != end - begin)
            throw error($"tensor '{name}' has shape ({string.Join(", ", shape)}), which needs {(bytes == long.MaxValue ? "more than 2^63" : bytes.ToString())} bytes, but data_offsets [{begin}, {end}] hold {end - begin}.");
        return (shape, begin, end);
    }

    /// <summary>
    /// The data of each expected tensor, in order, after checking that the file holds exactly these
    /// tensors with these shapes. One message lists every difference.
    /// </summary>
    /// <exception cref="DataFormatException">A tensor is missing, extra, or of another shape.</exception>
    public float[][] Match(IReadOnlyList<(string Name, int[] Shape, string Owner)> expected)
    {
        var problems = new List<string>();
        var missing = expected.Where(e => !_tensors.ContainsKey(e.Name)).Select(e => e.Name).ToList();
        var extra = _tensors.Keys.Where(k => !expected.Any(e => e.Name == k)).ToList();
        if (missing.Count > 0) problems.Add($"missing tensors: {string.Join(", ", missing)}");
        if (extra.Count > 0) problems.Add($"tensors the model does not have: {string.Join(", ", extra)}");
        foreach (var (name, shape, owner) in expected)
            if (_tensors.TryGetValue(name, out var t) && !t.Shape.SequenceEqual(shape))
                problems.Add($"tensor '{name}' has shape ({string.Join(", ", t.Shape)}) but the model's {owner} expects ({string.Join(", ", shape)})");
        if (problems.Count > 0)
            throw new DataFormatException(_path,
                $"the file does not match the model ({string.Join("; ", problems)}). The file has: {Describe(_tensors.Select(t => (t.Key, t.Value.Shape)))}. " +
                $"The model has: {Describe(expected.Select(e => (e.Name, e.Shape)))}. The model is unchanged.");
        var result = new float[expected.Count][];
        for (int i = 0; i < expected.Count; i++)
        {
            var (_, begin, end) = _tensors[expected[i].Name];
            var source = _bytes.AsSpan((int)(_dataStart + begin), (int)(end - begin));
            var values = new float[source.Length / 4];
            if (BitConverter.IsLittleEndian) MemoryMarshal.Cast<byte, float>(source).CopyTo(values);
            else for (int k = 0; k < values.Length; k++) values[k] = BinaryPrimitives.ReadSingleLittleEndian(source[(4 * k)..]);
            // Training never leaves a NaN or infinity in a weight (Fit stops first), so one here is damage;
            // loaded, it made every prediction NaN and the next Fit blame the learning rate.
            int bad = Kernels.Finite.IndexOfNonFinite(values);
            if (bad >= 0)
                throw new DataFormatException(_path, string.Create(CultureInfo.InvariantCulture,
                    $"tensor '{expected[i].Name}' holds {values[bad]} at element {bad}; weights are finite numbers, so the file is damaged. The model is unchanged."));
            result[i] = values;
        }
        return result;
    }

    private static string Describe(IEnumerable<(string Name, int[] Shape)> tensors) =>
        string.Join(", ", tensors.Select(t => $"{t.Name} ({string.Join(", ", t.Shape)})"));

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.Null => "null",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "an object",
    };

    private static string Raw(JsonElement entry, string property)
    {
        if (!entry.TryGetProperty(property, out var v)) return "nothing";
        var raw = v.GetRawText();
        return raw.Length > 60 ? raw[..60] + "..." : raw;
    }
}
