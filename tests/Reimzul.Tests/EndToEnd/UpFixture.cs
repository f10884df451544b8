using Reimzul.Tests.Support;

namespace Reimzul.Tests.EndToEnd;

/// <summary>One <c>reimzul up</c> with two workers, shared by the tests of a class (each uses its own target).</summary>
public sealed class UpFixture : IAsyncLifetime
{
    public Installation Install { get; } = new();

    public RunningProcess Up { get; private set; } = null!;

    public async Task InitializeAsync() => Up = await Install.StartUpAsync(workers: 2);

    public async Task DisposeAsync()
    {
        await Up.DisposeAsync();
        Install.Dispose();
    }
}
