using System.Buffers.Binary;
using System.Text;

namespace NeuralNotebooks.Tests.Nn;

/// <summary>Loading weights is all or nothing: every check runs before any weight changes, and the message says what differs.</summary>
public class WeightsFileTests
{
    internal static Sequential Mlp(int seed, params int[] units)
    {
        var model = new Sequential(seed);
        model.Add(new Dense(units[1], activation: "relu", inputShape: units[0]));
        for (int i = 2; i < units.Length; i++) model.Add(new Dense(units[i], activation: i == units.Length - 1 ? "softmax" : "relu"));
        return model;
    }

    internal static float[][] Snapshot(Sequential model) => model.GetWeights().Select(w => w.ToArray()).ToArray();

    internal static void Unchanged(float[][] before, Sequential model)
    {
        var now = Snapshot(model);
        Assert.Equal(before.Length, now.Length);
        for (int i = 0; i < now.Length; i++) Assert.True(before[i].SequenceEqual(now[i]), $"weight tensor {i} was changed by a failed load");
    }

    private static DataFormatException LoadFails(Sequential model, string path)
    {
        var before = Snapshot(model);
        var e = Assert.Throws<DataFormatException>(() => model.LoadWeights(path));
        Unchanged(before, model);
        Assert.Contains(path, e.Message);
        return e;
    }

    [Fact]
    public void A_file_with_extra_layers_is_an_error_naming_them()
    {
        var path = TempFolder.File("deeper.safetensors");
        Mlp(1, 784, 64, 10, 10).SaveWeights(path);
        var e = LoadFails(Mlp(2, 784, 64, 10), path);
        Assert.Contains("dense_2/kernel", e.Message);
        Assert.Contains("dense_2/bias", e.Message);
        Assert.Contains("does not have", e.Message);
    }

    [Fact]
    public void A_different_architecture_changes_nothing_and_names_every_difference()
    {
        var path = TempFolder.File("other.safetensors");
        Mlp(1, 784, 64, 10).SaveWeights(path);
        var e = LoadFails(Mlp(2, 784, 64, 12), path);   // dense/kernel and dense/bias match; dense_1 does not
        Assert.Contains("dense_1/kernel' has shape (64, 10)", e.Message);
        Assert.Contains("expects (64, 12)", e.Message);
        Assert.Contains("dense_1/bias' has shape (10)", e.Message);
        Assert.Contains("The model is unchanged", e.Message);
        var fewer = LoadFails(Mlp(3, 784, 64, 10, 10), path);
        Assert.Contains("missing tensors: dense_2/kernel, dense_2/bias", fewer.Message);
    }

    [Fact]
    public void A_file_cut_by_one_byte_changes_nothing()
    {
        var path = TempFolder.File("cut.safetensors");
        Mlp(1, 784, 64, 10).SaveWeights(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^1]);
        var e = LoadFails(Mlp(2, 784, 64, 10), path);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("dense_1/bias", e.Message);
        File.WriteAllBytes(path, [.. bytes, 0, 0, 0, 0]);
        Assert.Contains("4 extra", LoadFails(Mlp(2, 784, 64, 10), path).Message);
    }

    [Fact]
    public void Round_trip_and_the_shipped_model_still_load()
    {
        var path = TempFolder.File("round.safetensors");
        var model = Mlp(1, 5, 4, 3);
        model.SaveWeights(path);
        model.SaveWeights(path);   // overwriting in place
        Assert.Equal(["round.safetensors"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
        var other = Mlp(2, 5, 4, 3);
        other.LoadWeights(path);
        Unchanged(Snapshot(model), other);

        var shipped = Mlp(0, 784, 64, 10);
        shipped.LoadWeights(Path.Combine(Data.MnistTests.FindRepo(), "data", "models", "intro-mlp.safetensors"));
        Assert.NotEqual(Snapshot(Mlp(0, 784, 64, 10))[0], Snapshot(shipped)[0]);
    }

    /// <summary>A file for a Dense(2, inputShape: 1) model (kernel (1, 2), bias (2)) with the given header and 16 bytes of data.</summary>
    internal static byte[] File2(string header, long? headerLength = null, int dataBytes = 16)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var len = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(len, headerLength ?? json.Length);
        var data = new byte[dataBytes];
        for (int i = 0; i + 4 <= dataBytes; i += 4) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i), 0.25f * (i + 4));
        return [.. len, .. json, .. data];
    }

    internal static Sequential Tiny()
    {
        var model = new Sequential(seed: 3);
        model.Add(new Dense(2, inputShape: 1));
        return model;
    }

    private const string Kernel = "\"dense/kernel\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0,8]}";
    private const string Bias = "\"dense/bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}";

    public static readonly TheoryData<string, string, long?> BadHeaders = new()
    {
        { "[1,2]", "found an array", null },
        { "null", "found null", null },
        { "\"weights\"", "found a string", null },
        { "{\"dense/kernel\":null," + Bias + "}", "dense/kernel': expected an object", null },
        { "{\"dense/kernel\":[0,8]," + Bias + "}", "found an array", null },
        { "{\"dense/kernel\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[-8,0]}," + Bias.Replace("[8,16]", "[0,16]") + "}", "non-negative", null },
        { "{\"dense/kernel\":{\"dtype\":\"F32\",\"shape\":[1,-2],\"data_offsets\":[0,8]}," + Bias + "}", "non-negative integers", null },
        { "{\"dense/kernel\":{\"dtype\":\"F32\",\"shape\":[1e300],\"data_offsets\":[0,8]}," + Bias + "}", "non-negative integers", null },
        { "{\"dense/kernel\":{\"dtype\":\"F16\",\"shape\":[1,2],\"data_offsets\":[0,8]}," + Bias + "}", "\"F16\"", null },
        { "{\"dense/kernel\":{\"shape\":[1,2],\"data_offsets\":[0,8]}," + Bias + "}", "no dtype", null },
        { "{\"dense/kernel\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0]}," + Bias + "}", "two non-negative integers", null },
        { "{\"dense/kernel\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[8,0]}," + Bias + "}", "end before they begin", null },
        { "{\"dense/kernel\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0,12]}," + Bias + "}", "needs 8 bytes", null },
        { "{" + Kernel + ",\"dense/bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", "overlaps", null },
        { "{\"dense/kernel\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0,8]},\"dense/bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}", "past the end", null },
        { "{\"dense/kernel\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[0,4]},\"dense/bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", "unused", null },
        { "{\"dense/kernel\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,8]}," + Bias + "}", "more than 2^63", null },
        { "{" + Kernel + "," + Kernel + "," + Bias + "}", "twice", null },
        { "{" + Kernel + "," + Bias + "}", "header length -5", -5L },
        { "{" + Kernel + "," + Bias + "}", "header length 9223372036854775807", long.MaxValue },
        { "{" + Kernel + "," + Bias + "}", "not valid JSON", 20L },
        { "{" + Kernel + "," + Bias + ",\"__metadata__\":[]}", "__metadata__ must be", null },
        { "{\"dense/k\u00e9rnel\":1}", "expected an object", null },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public void Hand_made_bad_headers_are_clear_errors_and_change_nothing(string header, string expected, long? headerLength)
    {
        var path = TempFolder.File("bad.safetensors");
        File.WriteAllBytes(path, File2(header, headerLength));
        var e = LoadFails(Tiny(), path);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Negative_offsets_cannot_read_the_header_as_weights()
    {
        // Offsets [-8, 0] would point at the last 8 bytes of the header if they were trusted.
        var path = TempFolder.File("neg.safetensors");
        File.WriteAllBytes(path, File2("{\"dense/kernel\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[-8,0]},\"dense/bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", dataBytes: 8));
        LoadFails(Tiny(), path);
    }

    [Fact]
    public void A_hand_made_good_file_loads_its_values()
    {
        var path = TempFolder.File("good.safetensors");
        File.WriteAllBytes(path, File2("{\"__metadata__\":{\"format\":\"x\"}," + Bias + "," + Kernel + "}"));
        var model = Tiny();
        model.LoadWeights(path);
        Assert.Equal([1f, 2f], model.GetWeights()[0].ToArray());
        Assert.Equal([3f, 4f], model.GetWeights()[1].ToArray());
    }

    [Fact]
    public void Invalid_utf8_and_short_files_are_clear_errors()
    {
        var path = TempFolder.File("bytes.safetensors");
        var bytes = File2("{" + Kernel + "," + Bias + "}");
        bytes[12] = 0xFF;
        File.WriteAllBytes(path, bytes);
        Assert.Contains("UTF-8", LoadFails(Tiny(), path).Message);
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Contains("found 3 bytes", LoadFails(Tiny(), path).Message);
    }

    [Fact]
    public void A_file_with_a_NaN_weight_is_refused_and_changes_nothing()
    {
        // It loaded, every prediction was NaN, and the next Fit blamed the learning rate.
        var path = TempFolder.File("nan.safetensors");
        var model = new Sequential(1);
        model.Add(new Dense(3, inputShape: 2, activation: "softmax"));
        model.SaveWeights(path);
        var bytes = File.ReadAllBytes(path);
        int kernelStart = bytes.Length - 4 * (6 + 3);                    // kernel (2, 3), then bias (3)
        bytes[kernelStart + 2] = 0xC0; bytes[kernelStart + 3] = 0x7F;   // the first kernel weight becomes NaN
        File.WriteAllBytes(path, bytes);
        var before = model.GetWeights()[0].ToArray();
        var e = Assert.Throws<DataFormatException>(() => model.LoadWeights(path));
        Assert.Contains("tensor 'dense/kernel' holds NaN at element 0", e.Message);
        Assert.Equal(before, model.GetWeights()[0].ToArray());
    }

    [Fact]
    public void SaveWeights_does_not_replace_a_read_only_file()
    {
        // The rename replaced it: a read-only flag guards writes to a file, not renames over it.
        var path = TempFolder.File("read-only.safetensors");
        File.WriteAllText(path, "precious");
        File.SetAttributes(path, FileAttributes.ReadOnly);
        try
        {
            var model = new Sequential(1);
            model.Add(new Dense(3, inputShape: 2));
            var e = Assert.Throws<UnauthorizedAccessException>(() => model.SaveWeights(path));
            Assert.Contains("read-only", e.Message);
            Assert.Equal("precious", File.ReadAllText(path));
        }
        finally { File.SetAttributes(path, FileAttributes.Normal); }
    }
}
