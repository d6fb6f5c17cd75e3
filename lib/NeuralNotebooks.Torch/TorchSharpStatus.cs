namespace NeuralNotebooks.Torch;

/// <summary>Whether TorchSharp can run in this process, on which platform, and what was done or is missing.</summary>
/// <param name="Ready">True when <c>TorchSharp.torch</c> works.</param>
/// <param name="Platform">The operating system and process architecture.</param>
/// <param name="Message">What was loaded and how, or why TorchSharp cannot run and how to fix it.</param>
/// <param name="PatchedCopy">The edited copy of libLibTorchSharp.so that was loaded, if one was needed.</param>
public sealed record TorchSharpStatus(bool Ready, string Platform, string Message, string? PatchedCopy = null)
{
    internal static TorchSharpStatus Unavailable(string platform, string why) =>
        new(false, platform, $"TorchSharp is not available on {platform}: {why}");

    /// <summary>The message, as a notebook shows it.</summary>
    public override string ToString() => Message;
}

/// <summary>TorchSharp cannot run in this process; the message says why and how to fix it.</summary>
public sealed class TorchSharpUnavailableException(string message) : Exception(message);
