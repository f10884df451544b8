using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Reimzul.Files;
using Reimzul.Rpm;

namespace Reimzul.ResultStores;

/// <summary>
/// The bookkeeping a store keeps per target in <c>repo/TARGET/.reimzul/</c>, which holds no <c>*.rpm</c> (createrepo_c
/// indexes nothing there) and is hidden (bstore does not serve it):
/// <list type="bullet">
/// <item><c>lock</c> — a file lock that serializes reservations and publications of the target across processes;</item>
/// <item><c>builds/KEY</c> — the timestamp reserved for a build id and package, so a redelivered job gets it back;</item>
/// <item><c>nevras/KEY</c> — which result dir publishes each binary or source package (name, epoch, version, release,
/// arch) of the target, so no package is ever indexed twice.</item>
/// <item><c>nevras/KEY.claims/</c> — the claims of the rsync store, which cannot lock: one <see cref="ClaimMarker"/> per build
/// (<see cref="RsyncResultStore"/>); it writes <c>nevras/KEY</c> too once the result is published.</item>
/// </list>
/// A reserved timestamp dir holds <see cref="ReservationMarker"/> (hidden, not served, not indexed). Keys are hashes: build ids and package names come from messages and RPM headers, and never become paths.
/// A claim whose result dir is gone (replaced, or its result never arrived) is free again.
/// </summary>
internal sealed class TargetLedger
{
    private const string LedgerDir = ".reimzul";
    private const string TimestampFormat = "yyyyMMddHHmmss";

    // A day of seconds: more builds of one package than that in one day mean something is looping.
    private const int MaxBumps = 86_400;

    private readonly string _targetDir;
    private readonly string _ledger;

    private TargetLedger(string targetDir)
    {
        _targetDir = targetDir;
        _ledger = Path.Combine(targetDir, LedgerDir);
    }

    /// <summary>The ledger of <paramref name="target"/> (already checked) under <paramref name="repo"/>, locked until disposed.</summary>
    public static async Task<Locked> LockAsync(string repo, string target, CancellationToken cancellationToken)
    {
        var ledger = new TargetLedger(PathSegments.Under(repo, target));
        Directory.CreateDirectory(ledger._ledger);
        var held = await FileLock.AcquireAsync(Path.Combine(ledger._ledger, "lock"), cancellationToken);
        return new Locked(ledger, held);
    }

    /// <summary>A held ledger; every method assumes the lock.</summary>
    public sealed class Locked(TargetLedger ledger, IDisposable held) : IDisposable
    {
        /// <summary>
        /// The timestamp for <paramref name="buildId"/>'s build of <paramref name="pkgName"/>: the one it got before, else
        /// <paramref name="proposed"/> or the first later second without a dir, whose dir is created now.
        /// </summary>
        /// <exception cref="ArgumentException"><paramref name="proposed"/> is not <c>%Y%m%d%H%M%S</c>.</exception>
        public string ReserveTimestamp(string pkgName, string buildId, string proposed)
        {
            var time = ParseTimestamp(proposed);
            var pkgDir = Path.Combine(ledger._targetDir, pkgName);
            var record = Path.Combine(ledger._ledger, "builds", BuildRecordKey(pkgName, buildId));
            if (File.Exists(record) && File.ReadAllText(record).Trim() is { Length: 14 } earlier && Directory.Exists(Path.Combine(pkgDir, earlier)))
            {
                return earlier;
            }
            for (var bump = 0; bump < MaxBumps; bump++, time = time.AddSeconds(1))
            {
                var candidate = time.ToString(TimestampFormat, CultureInfo.InvariantCulture);
                var dir = Path.Combine(pkgDir, candidate);
                if (Directory.Exists(dir))
                {
                    continue;
                }
                Directory.CreateDirectory(dir);
                // The rsync store, which cannot lock, tells a taken dir by any entry in it.
                File.WriteAllText(Path.Combine(dir, ReservationMarker(buildId)), buildId + "\n");
                DurableFiles.FsyncDirectory(pkgDir);
                Directory.CreateDirectory(Path.GetDirectoryName(record)!);
                DurableFiles.WriteAllText(record, candidate + "\n");
                return candidate;
            }
            throw new IOException($"{pkgName} has builds in every second of the day after {proposed} in {ledger._targetDir}");
        }

        /// <summary>
        /// The packages in <paramref name="resultDir"/> that another build of the target already publishes, with that
        /// build's dir (<c>PKGNAME/TIMESTAMP</c>); the result is to be published as <paramref name="owner"/>
        /// (<c>PKGNAME/TIMESTAMP/EVR.ARCH</c>). Every package the result holds is in <paramref name="packages"/>.
        /// </summary>
        public IReadOnlyList<(string Nevra, string Build)> FindPublishedElsewhere(string resultDir, string owner, out IReadOnlyList<string> packages)
        {
            var found = new List<string>();
            var conflicts = new List<(string, string)>();
            foreach (var rpm in Directory.EnumerateFiles(resultDir, "*.rpm", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                RpmPackageInfo info;
                try
                {
                    info = RpmHeaderReader.Read(rpm);
                }
                catch (RpmFormatException)
                {
                    // createrepo_c cannot index what is not an RPM, so it can never list it twice; whether such a file
                    // belongs in a result at all is the worker's check of its build output.
                    continue;
                }
                var nevra = Nevra(info);
                found.Add(nevra);
                if (ClaimOf(nevra) is { } claimed && BuildOf(claimed) != BuildOf(owner) && Directory.Exists(Path.Combine(ledger._targetDir, claimed)))
                {
                    conflicts.Add((nevra, BuildOf(claimed)));
                }
            }
            packages = found;
            return conflicts;
        }

        /// <summary>Records <paramref name="owner"/> as the result dir publishing each of <paramref name="packages"/>.</summary>
        public void Claim(IEnumerable<string> packages, string owner)
        {
            Directory.CreateDirectory(Path.Combine(ledger._ledger, "nevras"));
            foreach (var nevra in packages)
            {
                DurableFiles.WriteAllText(ClaimFile(nevra), ClaimText(owner, nevra));
            }
        }

        private string? ClaimOf(string nevra)
        {
            var file = ClaimFile(nevra);
            return File.Exists(file) ? File.ReadLines(file).FirstOrDefault()?.Trim() : null;
        }

        private string ClaimFile(string nevra) => Path.Combine(ledger._ledger, "nevras", Key(nevra));

        public void Dispose() => held.Dispose();
    }

    /// <summary>The time <paramref name="timestamp"/> (<c>%Y%m%d%H%M%S</c>) names.</summary>
    /// <exception cref="ArgumentException">It is not one.</exception>
    public static DateTime ParseTimestamp(string timestamp)
    {
        if (timestamp is not { Length: 14 }
            || !DateTime.TryParseExact(timestamp, TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            throw new ArgumentException($"timestamp '{timestamp}' is not %Y%m%d%H%M%S");
        }
        return time;
    }

    /// <summary><c>PKGNAME/TIMESTAMP</c> of a result dir <c>PKGNAME/TIMESTAMP/EVR.ARCH</c>: the build it belongs to.</summary>
    public static string BuildOf(string owner) => string.Join('/', owner.Split('/').Take(2));

    /// <summary>name-[epoch:]version-release.arch, with arch <c>src</c> for a source package (as dnf lists it).</summary>
    public static string Nevra(RpmPackageInfo info) =>
        $"{info.Name}-{(info.Epoch is { } epoch ? epoch.ToString(CultureInfo.InvariantCulture) + ":" : "")}{info.Version}-{info.Release}.{(info.IsSource ? "src" : info.Arch)}";

    /// <summary>The name of the marker a reservation leaves in its timestamp dir; the rsync store reserves by it (<see cref="RsyncResultStore"/>).</summary>
    public static string ReservationMarker(string buildId) => ".reserved-" + Key(buildId);

    public static string BuildRecordKey(string pkgName, string buildId) => Key(pkgName + "\n" + buildId);

    /// <summary>The name of <paramref name="nevra"/>'s claim file under <c>nevras/</c>.</summary>
    public static string ClaimKey(string nevra) => Key(nevra);

    /// <summary>The marker build <paramref name="build"/> (<c>PKGNAME/TIMESTAMP</c>) leaves in <c>nevras/KEY.claims/</c>.</summary>
    public static string ClaimMarker(string build) => ".claim-" + Key(build);

    /// <summary>What a claim file holds: the result dir publishing the package, then the package.</summary>
    public static string ClaimText(string owner, string nevra) => owner + "\n" + nevra + "\n";

    private static string Key(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
}
