using System.Reflection;

namespace NeuralNotebooks.Display;

/// <summary>An output shown by <see cref="Notebook.Display"/> that can be replaced later.</summary>
public interface IDisplayHandle
{
    /// <summary>Replaces what this output shows with <paramref name="value"/> (the same output, updated in place).</summary>
    void Update(object? value);
}

/// <summary>
/// Lets library code (a training loop reporting its progress, for example) show a value as its
/// own output, and update it later, in whatever is running it.
/// </summary>
/// <remarks>
/// Three hosts, tried in order: the repository's notebook runner (it sets <see cref="Host"/>);
/// the Polyglot Notebooks kernel, reached by reflection when the library is loaded into it
/// (its <c>Microsoft.DotNet.Interactive.Kernel.display</c>); otherwise the console, where each
/// display and each update is written as a line of text. So the same library code works in the
/// runner, in VS Code and in a file-based app.
/// </remarks>
public static class Notebook
{
    /// <summary>
    /// Set by a notebook host (the runner): shows a value and returns the action that updates it,
    /// or returns null when no notebook is running on this thread (the next host is tried).
    /// </summary>
    /// <remarks>The signature uses only framework types so a host can set it by reflection.</remarks>
    public static Func<object?, Action<object?>?>? Host { get; set; }

    /// <summary>Shows <paramref name="value"/> as its own output and returns a handle to update it.</summary>
    public static IDisplayHandle Display(object? value)
    {
        if (Host?.Invoke(value) is { } update) return new Handle(update);
        if (KernelDisplay.TryDisplay(value) is { } kernelUpdate) return new Handle(kernelUpdate);
        Console.WriteLine(PlainText(value));
        return new Handle(v => Console.WriteLine(PlainText(v)));
    }

    private static string PlainText(object? value) => value?.ToString() ?? "<null>";

    private sealed class Handle(Action<object?> update) : IDisplayHandle
    {
        public void Update(object? value) => update(value);
    }

    /// <summary>The Polyglot kernel's <c>display</c>, found by reflection when the library runs inside it.</summary>
    private static class KernelDisplay
    {
        private static readonly Lazy<MethodInfo?> DisplayMethod = new(Find);

        internal static Action<object?>? TryDisplay(object? value)
        {
            if (DisplayMethod.Value is not { } display) return null;
            object? displayed;
            try { displayed = display.Invoke(null, [value, Array.Empty<string>()]); }
            catch (TargetInvocationException) { return null; } // not inside a kernel command
            if (displayed?.GetType().GetMethod("Update", [typeof(object)]) is not { } update) return null;
            return v => update.Invoke(displayed, [v]);
        }

        private static MethodInfo? Find()
        {
            foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
            {
                if (assembly.GetName().Name != "Microsoft.DotNet.Interactive") continue;
                var kernel = assembly.GetType("Microsoft.DotNet.Interactive.Kernel");
                var method = kernel?.GetMethod("display", BindingFlags.Public | BindingFlags.Static, [typeof(object), typeof(string[])]);
                if (method is not null) return method;
            }
            return null;
        }
    }
}
