using Reimzul.Files;

namespace Reimzul.Submit;

/// <summary>
/// One machine: a local file is copied into the incoming dir (never replacing another SRPM of its name), then
/// <see cref="BuildSubmitter"/> queues it with <paramref name="submitter"/> (the user running the command) as submitter.
/// </summary>
public sealed class LocalSubmitter(BuildSubmitter core, string submitter) : ISubmitter
{
    public async Task<SubmitReceipt> SubmitAsync(SubmitOrder order, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (order.SrpmIsLocalFile())
        {
            // Checked before the file is placed, so a refused order leaves nothing in incoming.
            SubmitChecks.ArchTargetAndDisttag(order);
            order = order with { Srpm = await PlaceAsync(order.Srpm, ct) };
        }
        return await core.SubmitAsync(order, submitter, ct);
    }

    public async Task<IReadOnlyList<SubmitReceipt>> SubmitManyAsync(IReadOnlyList<SubmitOrder> orders, CancellationToken ct)
    {
        var placed = await PlaceAllAsync(orders, ct);
        return await core.SubmitManyAsync(placed, submitter, null, ct);
    }

    /// <summary>
    /// Checks every order, copies the local files among them into incoming and checks them there; returns the orders
    /// naming their SRPMs in incoming. Queues nothing (a chain build queues its groups later).
    /// </summary>
    /// <exception cref="SubmitRefusedException">An order is wrong; nothing new was placed for a bad local file.</exception>
    public async Task<IReadOnlyList<SubmitOrder>> PlaceAllAsync(IReadOnlyList<SubmitOrder> orders, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(orders);
        // Every file checked before one is placed: a refused bulk leaves nothing new in incoming.
        SubmitChecks.LocalFiles(orders);
        var placed = new List<SubmitOrder>(orders.Count);
        foreach (var order in orders)
        {
            placed.Add(order.SrpmIsLocalFile() ? order with { Srpm = await PlaceAsync(order.Srpm, ct) } : order);
        }
        core.CheckMany(placed, null);
        return placed;
    }

    /// <summary>Copies the SRPM at <paramref name="path"/> into incoming under its file name; returns that name.</summary>
    private async Task<string> PlaceAsync(string path, CancellationToken ct)
    {
        var name = SubmitChecks.LocalFile(path);
        Directory.CreateDirectory(core.Incoming);
        var final = Path.Combine(core.Incoming, name);
        if (!File.Exists(final))
        {
            // A complete copy in the same dir, renamed into place: a worker never reads half an SRPM.
            var temporary = Path.Combine(core.Incoming, $".{name}.{Guid.NewGuid():N}.tmp");
            try
            {
                await CopyAsync(path, temporary, ct);
                if (IncomingSrpms.TryPlace(temporary, final))
                {
                    return name;
                }
            }
            finally
            {
                File.Delete(temporary);
            }
        }
        // One of that name is there already (or was placed at the same moment): fine if it is this one.
        SubmitChecks.Check(await SameContentAsync(path, final, ct), IncomingSrpms.ConflictMessage(name, final));
        return name;
    }

    private static async Task CopyAsync(string source, string destination, CancellationToken ct)
    {
        await using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        await input.CopyToAsync(output, ct);
        output.Flush(flushToDisk: true);
    }

    private static async Task<bool> SameContentAsync(string a, string b, CancellationToken ct) =>
        new FileInfo(a).Length == new FileInfo(b).Length
        && await FileDigest.Sha256HexAsync(a, ct) == await FileDigest.Sha256HexAsync(b, ct);
}
