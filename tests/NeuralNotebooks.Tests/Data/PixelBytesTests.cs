using NeuralNotebooks.Kernels;

namespace NeuralNotebooks.Tests.Data;

/// <summary>
/// The bytes a loader's images came from, remembered beside their floats: found for the images and their views while
/// every float is still its byte / 255f, and not once a learner has changed one in place.
/// </summary>
public class PixelBytesTests
{
    private static (Tensor Images, byte[] Bytes) Made(int samples, int per, int seed)
    {
        var bytes = new byte[samples * per];
        new Random(seed).NextBytes(bytes);
        var floats = new float[bytes.Length];
        PixelConversion.ToUnitFloats(bytes, floats);
        PixelBytes.Remember(floats, bytes);
        return (new Tensor(floats, samples, per), bytes);
    }

    [Fact]
    public void The_loaded_training_images_and_their_flattened_view_find_their_bytes()
    {
        var mnist = Mnist.Load();
        var bytes = PixelBytes.Matching(mnist.Train.Images);
        Assert.NotNull(bytes);
        Assert.Equal(mnist.Train.Images.Size, bytes!.Length);
        Assert.Same(bytes, PixelBytes.Matching(mnist.Train.Images.Reshape(-1, 784)));
        Assert.NotNull(PixelBytes.Matching(mnist.Test.Images));
    }

    [Fact]
    public void Images_changed_in_place_or_copied_find_none()
    {
        var (images, bytes) = Made(50, 784, 1);
        Assert.Same(bytes, PixelBytes.Matching(images));
        Assert.Null(PixelBytes.Matching(images * 1f));   // a new array: nothing remembered for it
        var view = images.AsSpan();
        float kept = view[1234];
        view[1234] = kept + 0.001f;
        Assert.Null(PixelBytes.Matching(images));
        view[1234] = kept;
        Assert.Same(bytes, PixelBytes.Matching(images));
        // Normalized in place, as a learner might: (x - 0.1307) / 0.3081.
        for (int i = 0; i < view.Length; i++) view[i] = (view[i] - 0.1307f) / 0.3081f;
        Assert.Null(PixelBytes.Matching(images));
    }
}
