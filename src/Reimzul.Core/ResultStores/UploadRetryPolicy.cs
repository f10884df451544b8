namespace Reimzul.ResultStores;

/// <summary>How <see cref="ResultStores.HttpResultStore"/> keeps trying while bstore is unreachable or an upload arrives damaged.</summary>
/// <param name="InitialDelay">First wait between attempts; doubles up to <paramref name="MaxDelay"/>.</param>
/// <param name="GiveUpAfter">Time without a file arriving after which the upload fails.</param>
/// <param name="DamagedAttempts">Times one upload may arrive damaged (checksum mismatch) before it fails.</param>
public sealed record UploadRetryPolicy(TimeSpan InitialDelay, TimeSpan MaxDelay, TimeSpan GiveUpAfter, int DamagedAttempts = 3)
{
    public static UploadRetryPolicy For(TimeSpan giveUpAfter) => new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), giveUpAfter);
}
