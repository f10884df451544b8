using Reimzul.Queue;

namespace Reimzul.Tests.Support;

/// <summary>Compares a reserved job with what was put.</summary>
public static class JobAssert
{
    public static void Is(long id, string tube, uint priority, string body, IReservedJob? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal((id, tube, priority, body), (actual.Id, actual.Tube, actual.Priority, actual.Body));
    }
}
