using Xunit.Abstractions;
using Xunit.Sdk;

namespace Reimzul.Tests.Support;

/// <summary>
/// On a test class: its tests need a server that cannot run here, named by an environment variable; without the
/// variable they are reported as skipped (never passed). The tests must be <see cref="ContractFactAttribute"/>s.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresEnvironmentAttribute(string variable, string what) : Attribute
{
    public string Variable { get; } = variable;

    public string What { get; } = what;
}

/// <summary>A fact of a contract suite: skipped in a test class whose <see cref="RequiresEnvironmentAttribute"/> is not met.</summary>
[XunitTestCaseDiscoverer("Reimzul.Tests.Support.ContractFactDiscoverer", "Reimzul.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ContractFactAttribute : FactAttribute;

public sealed class ContractFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var display = discoveryOptions.MethodDisplayOrDefault();
        var displayOptions = discoveryOptions.MethodDisplayOptionsOrDefault();
        var testClass = testMethod.TestClass.Class.ToRuntimeType();
        var needs = (RequiresEnvironmentAttribute?)Attribute.GetCustomAttribute(testClass, typeof(RequiresEnvironmentAttribute));
        if (needs is not null && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(needs.Variable)))
        {
            return [new XunitSkippedDataRowTestCase(diagnosticMessageSink, display, displayOptions, testMethod,
                $"needs {needs.What}: set {needs.Variable} to run it")];
        }
        return [new XunitTestCase(diagnosticMessageSink, display, displayOptions, testMethod)];
    }
}
