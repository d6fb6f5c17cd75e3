namespace NeuralNotebooks;

/// <summary>A data file is truncated, corrupt or not what it claims to be. The message names the file, what was expected and what was found.</summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the error for <paramref name="path"/>.</summary>
    public DataFormatException(string path, string message, Exception? inner = null)
        : base($"{path}: {message}", inner) => Path = path;

    /// <summary>The file that is wrong.</summary>
    public string Path { get; }
}
