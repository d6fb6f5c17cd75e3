using System.Runtime.CompilerServices;

namespace NeuralNotebooks.Kernels;

/// <summary>The vectorized im2col and col2im: whole kernel rows copied (or added) at once when they lie inside the image.</summary>
internal static class Convolution
{
    public static void Im2Col(ReadOnlySpan<float> input, int batch, int height, int width, int channels,
        int kernelH, int kernelW, int strideH, int strideW, int padTop, int padLeft, int outH, int outW, Span<float> columns)
    {
        int rowLength = kernelH * kernelW * channels;
        Scalar.CheckConv(input, batch, height, width, channels, outH, outW, columns, rowLength);
        unsafe
        {
            fixed (float* inp = input, col = columns)
            {
                var images = new Images(inp, col, height, width, channels, kernelH, kernelW, strideH, strideW, padTop, padLeft, outH, outW, rowLength);
                if ((long)batch * outH * outW * rowLength >= 1 << 16) ForkJoin.ForBalanced(batch, 1, images);
                else images.Run(0, batch);
            }
        }
    }

    /// <summary>The patches of images [from, to), one core's share.</summary>
    private readonly unsafe struct Images(float* input, float* columns, int height, int width, int channels,
        int kernelH, int kernelW, int strideH, int strideW, int padTop, int padLeft, int outH, int outW, int rowLength) : IRangeBody
    {
        [MethodImpl(JitHints.PerBatch)]
        public void Run(int from, int to)
        {
            for (int b = from; b < to; b++)
                Im2ColSample(input, columns, b, height, width, channels, kernelH, kernelW, strideH, strideW, padTop, padLeft, outH, outW, rowLength);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Im2ColSample(float* input, float* columns, int b, int height, int width, int channels,
        int kernelH, int kernelW, int strideH, int strideW, int padTop, int padLeft, int outH, int outW, int rowLength)
    {
        int run = kernelW * channels;
        float* dst = columns + (long)b * outH * outW * rowLength;
        for (int oy = 0; oy < outH; oy++)
            for (int ox = 0; ox < outW; ox++, dst += rowLength)
            {
                int x0 = ox * strideW - padLeft;
                bool fullWidth = x0 >= 0 && x0 + kernelW <= width;
                for (int ky = 0; ky < kernelH; ky++)
                {
                    int iy = oy * strideH - padTop + ky;
                    float* d = dst + ky * run;
                    if (iy < 0 || iy >= height) { new Span<float>(d, run).Clear(); continue; }
                    float* src = input + (((long)b * height + iy) * width + x0) * channels;
                    if (fullWidth)
                    {
                        // The kernel row lies inside the image: one contiguous run of kernelW·channels floats.
                        for (int j = 0; j < run; j++) d[j] = src[j];
                        continue;
                    }
                    for (int kx = 0; kx < kernelW; kx++)
                    {
                        int ix = x0 + kx;
                        bool inside = ix >= 0 && ix < width;
                        for (int ch = 0; ch < channels; ch++) d[kx * channels + ch] = inside ? src[kx * channels + ch] : 0f;
                    }
                }
            }
    }

    /// <summary>
    /// <see cref="Scalar.Col2Im"/> with each kernel row's run of channels (kernelW·channels floats when
    /// the row lies inside the image) added as vectors. Rows are visited in the twin's order and each
    /// element gets the same additions in the same order, so the result is bit for bit the twin's.
    /// </summary>
    public static void Col2Im(ReadOnlySpan<float> columns, int batch, int height, int width, int channels,
        int kernelH, int kernelW, int strideH, int strideW, int padTop, int padLeft, int outH, int outW, Span<float> input)
    {
        int rowLength = kernelH * kernelW * channels;
        Scalar.CheckConv(input, batch, height, width, channels, outH, outW, columns, rowLength);
        int run = kernelW * channels, row = 0;
        for (int b = 0; b < batch; b++)
            for (int oy = 0; oy < outH; oy++)
                for (int ox = 0; ox < outW; ox++, row++)
                {
                    int x0 = ox * strideW - padLeft;
                    bool fullWidth = x0 >= 0 && x0 + kernelW <= width;
                    for (int ky = 0; ky < kernelH; ky++)
                    {
                        int iy = oy * strideH - padTop + ky;
                        if (iy < 0 || iy >= height) continue;
                        var src = columns.Slice(row * rowLength + ky * run, run);
                        int start = ((b * height + iy) * width + x0) * channels;
                        if (fullWidth)
                        {
                            var d = input.Slice(start, run);
                            Loops.Zip(src, d, d, default(AddOperator));
                            continue;
                        }
                        for (int kx = 0; kx < kernelW; kx++)
                        {
                            int ix = x0 + kx;
                            if (ix < 0 || ix >= width) continue;
                            var d = input.Slice(start + kx * channels, channels);
                            Loops.Zip(src.Slice(kx * channels, channels), d, d, default(AddOperator));
                        }
                    }
                }
    }
}
