namespace Reimzul.GitToSrpm;

/// <summary>
/// The disttag of a package whose requester gave none (centos-git-common's rule): the newest commit whose subject
/// contains "import" names the imported SRPM in its second word; the spec's NVR, evaluated with <c>dist</c> set to
/// <see cref="Placeholder"/>, shows where the disttag stands; the disttag is what the imported NVR has there.
/// E.g. release <c>3%{?dist}</c> and "import foo-1.0-3.el7_4" give <c>.el7_4</c>; a spec without <c>%dist</c> gives "".
/// </summary>
public static class DisttagRule
{
    /// <summary>A value no real NVR contains, so its place in the evaluated NVR is unambiguous.</summary>
    public const string Placeholder = "REIMZULDISTTAGPLACEHOLDER";

    /// <summary>The imported NVR named by an import commit's subject (<c>import foo-1.0-3.el7_4.src.rpm</c> → <c>foo-1.0-3.el7_4</c>), or null.</summary>
    public static string? ImportedNvr(string subject)
    {
        var words = subject.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 2)
        {
            return null;
        }
        var nvr = words[1];
        return nvr.EndsWith(".src.rpm", StringComparison.Ordinal) ? nvr[..^".src.rpm".Length] : nvr;
    }

    /// <summary>The newest subject (first in <paramref name="subjectsNewestFirst"/>) that contains "import".</summary>
    public static string? ImportSubject(IEnumerable<string> subjectsNewestFirst) =>
        subjectsNewestFirst.FirstOrDefault(s => s.Contains("import", StringComparison.OrdinalIgnoreCase));

    /// <summary>The disttag, or null when <paramref name="importedNvr"/> does not fit the spec's NVR around the placeholder.</summary>
    /// <param name="specNvr">The spec's name-version-release with <c>dist</c> defined as <see cref="Placeholder"/>.</param>
    public static string? Detect(string specNvr, string importedNvr)
    {
        var at = specNvr.IndexOf(Placeholder, StringComparison.Ordinal);
        if (at < 0)
        {
            return "";
        }
        var before = specNvr[..at];
        var after = specNvr[(at + Placeholder.Length)..];
        if (importedNvr.Length < before.Length + after.Length
            || !importedNvr.StartsWith(before, StringComparison.Ordinal)
            || !importedNvr.EndsWith(after, StringComparison.Ordinal))
        {
            return null;
        }
        return importedNvr[before.Length..^after.Length];
    }
}
