using System.Text.RegularExpressions;

namespace Reimzul.Tests.Support;

/// <summary>
/// What "every event arrived once" can mean across crashes and server outages: a delivery a server acknowledged just
/// as the notifier was killed, or as the server went down, is sent again, as the same message (same Message-ID, same
/// payload) that receivers can drop. Every event must arrive; nothing but such in-flight deliveries may come twice.
/// </summary>
public static class DeliveryAssert
{
    /// <param name="inFlight">How many deliveries the interruptions of the test can have cut off (one per sink and interruption).</param>
    public static void EachOnceButInFlight(IEnumerable<string?> expected, IReadOnlyList<(string? Id, string Content)> arrived, int inFlight)
    {
        Assert.Equal(expected.Order(StringComparer.Ordinal).ToList(), arrived.Select(a => a.Id).Distinct().Order(StringComparer.Ordinal).ToList());
        var twice = arrived.GroupBy(a => a.Id).Where(g => g.Count() > 1).ToList();
        Assert.True(twice.Count <= inFlight && twice.All(g => g.Count() == 2 && g.Select(a => a.Content).Distinct().Count() == 1),
            $"more than the {inFlight} deliveries in flight at an interruption came twice, or a repeat differs: "
            + string.Join(", ", twice.Select(g => $"{g.Key} ×{g.Count()}")));
    }

    /// <summary>
    /// Waits until <c>reimzul stats</c> shows no mail or MQTT delivery pending in the outbox and no notify job left:
    /// nothing more will be sent, so what arrived so far is all that will.
    /// </summary>
    public static async Task WaitUntilNothingPendingAsync(Func<Task<string>> stats)
    {
        var last = "";
        await Eventually.WaitAsync(async () =>
        {
            last = await stats();
            return Regex.IsMatch(last, @"(?m)^mail\s+0\s") && Regex.IsMatch(last, @"(?m)^mqtt\s+0\s") && Regex.IsMatch(last, @"(?m)^notify\s+0\s+0\s");
        }, TimeSpan.FromSeconds(60), () => last);
    }
}
