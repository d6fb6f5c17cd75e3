using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

// Runs the library's tests whose full names contain one of the comma-separated parts of the first argument
// (but for the cases whose names and arguments contain a part written after a minus), in this process, on
// whatever processor it runs on: run.sh runs it on linux-arm64 under qemu's user-mode emulation. The test
// framework's own runners cannot start there: `dotnet test` launches its test host as a native program,
// which an x86-64 kernel cannot run without binfmt_misc (containers rarely have it). So this program finds
// the tests itself: Facts, Theories with their data, constructors that take an ITestOutputHelper or a
// class fixture. Tests that start child processes do not belong in the filter.
if (args.Length != 1 || args[0].Trim().Length == 0)
{
    Console.Error.WriteLine("usage: ArmEmulation FILTER   (comma-separated parts of the tests' full names, e.g. Kernels.SimdTests,GemmTests.The_unrolled; a part after a minus leaves out the cases whose name and arguments contain it, e.g. -4732)");
    return 2;
}
var parts = args[0].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
var wanted = parts.Where(p => !p.StartsWith('-')).ToArray();
var unwanted = parts.Where(p => p.StartsWith('-') && p.Length > 1).Select(p => p[1..]).ToArray();
var assembly = Assembly.Load("NeuralNotebooks.Tests");
Console.WriteLine($"{RuntimeInformation.ProcessArchitecture}, {RuntimeInformation.OSDescription}; vectors accelerated: 128-bit {Vector128.IsHardwareAccelerated}, " +
    $"256-bit {Vector256.IsHardwareAccelerated}, 512-bit {Vector512.IsHardwareAccelerated}; {Environment.ProcessorCount} cores");

var clock = Stopwatch.StartNew();
int passed = 0, failed = 0, skipped = 0;
var fixtures = new Dictionary<Type, object>();
foreach (var type in assembly.GetTypes().Where(t => t.IsClass && !t.IsAbstract && (t.IsPublic || t.IsNestedPublic)).OrderBy(t => t.FullName, StringComparer.Ordinal))
    foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).OrderBy(m => m.Name, StringComparer.Ordinal))
    {
        if (method.GetCustomAttribute<FactAttribute>() is not { } fact) continue;
        string name = $"{type.FullName}.{method.Name}";
        if (!wanted.Any(name.Contains)) continue;
        if (fact.Skip is not null) { skipped++; continue; }
        foreach (var (label, arguments) in Cases(method, name))
        {
            if (unwanted.Any(label.Contains)) continue;
            try
            {
                Run(type, method, arguments);
                passed++;
            }
            catch (Exception thrown)
            {
                var e = thrown is TargetInvocationException { InnerException: { } inner } ? inner : thrown;
                failed++;
                Console.WriteLine($"FAILED {label}\n  {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
        }
    }
Console.WriteLine($"{passed} passed, {failed} failed, {skipped} skipped, in {clock.Elapsed.TotalSeconds:F0} s");
if (passed == 0) Console.WriteLine($"no test matched {args[0]}");
return failed == 0 && passed > 0 ? 0 : 1;

// A Fact's one case, or a Theory's cases from each of its data attributes, with a label that names the arguments.
IEnumerable<(string Label, object?[] Arguments)> Cases(MethodInfo method, string name)
{
    if (method.GetCustomAttribute<FactAttribute>() is not TheoryAttribute) return [(name, [])];
    var cases = new List<(string, object?[])>();
    foreach (var data in method.GetCustomAttributes<DataAttribute>())
        foreach (var given in data.GetData(method) ?? throw new InvalidOperationException($"{name}: its {data.GetType().Name} gave no data"))
        {
            var row = given ?? [null];   // [InlineData(null)]: one null argument, as xunit reads it
            cases.Add(($"{name}({string.Join(", ", row.Select(a => a is Array array ? $"[{array.Length} items]" : a?.ToString() ?? "null"))})", row));
        }
    return cases;
}

void Run(Type type, MethodInfo method, object?[] row)
{
    object? instance = method.IsStatic ? null : Create(type);
    try
    {
        var parameters = method.GetParameters();
        if (row.Length > parameters.Length) throw new InvalidOperationException($"{row.Length} arguments for {parameters.Length} parameters");
        var arguments = new object?[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
            arguments[i] = i < row.Length ? Convert(row[i], parameters[i].ParameterType)
                : parameters[i].HasDefaultValue ? parameters[i].DefaultValue : throw new InvalidOperationException($"no argument for {parameters[i].Name}");
        if (method.Invoke(instance, arguments) is Task task) task.GetAwaiter().GetResult();
    }
    finally { (instance as IDisposable)?.Dispose(); }
}

object Create(Type type)
{
    var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
    var arguments = constructor.GetParameters().Select(p =>
    {
        if (p.ParameterType == typeof(ITestOutputHelper)) return new DiscardedOutput();
        if (!fixtures.TryGetValue(p.ParameterType, out var fixture)) fixtures[p.ParameterType] = fixture = Activator.CreateInstance(p.ParameterType)!;
        return fixture;
    }).ToArray();
    return constructor.Invoke(arguments);
}

// As xunit does: InlineData's 1 for a double, a string or number for an enum.
static object? Convert(object? value, Type to)
{
    if (value is null || to.IsInstanceOfType(value)) return value;
    var type = Nullable.GetUnderlyingType(to) ?? to;
    if (type.IsEnum) return value is string s ? Enum.Parse(type, s) : Enum.ToObject(type, value);
    return value is IConvertible ? System.Convert.ChangeType(value, type, System.Globalization.CultureInfo.InvariantCulture) : value;
}

/// <summary>Test output goes nowhere: a failure's message says what went wrong.</summary>
sealed class DiscardedOutput : ITestOutputHelper
{
    public void WriteLine(string message) { }
    public void WriteLine(string format, params object[] args) { }
}
