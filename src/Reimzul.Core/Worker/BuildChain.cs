namespace Reimzul.Worker;

/// <summary>
/// Which builds one job makes, in order, all with the job's timestamp and into the job's target:
/// the requested arch; then i386 after x86_64 and ppc after ppc64 (multilib for the parent
/// repo); then noarch for <c>kernel</c>/<c>kernel-plus</c> on x86_64/i386 builders.
/// </summary>
public static class BuildChain
{
    public static IReadOnlyList<string> Plan(string requestedArch, string builderArch, string pkgName, string srpmBuildArch)
    {
        var arches = new List<string> { requestedArch };

        // A BuildArch: noarch package gives the same RPMs whatever the arch; a chained build
        // would only put a second copy of them into the parent repo.
        var archIndependent = srpmBuildArch == "noarch";
        if (!archIndependent && requestedArch == "x86_64")
        {
            arches.Add("i386");
        }
        else if (!archIndependent && requestedArch == "ppc64")
        {
            arches.Add("ppc");
        }

        if (pkgName is "kernel" or "kernel-plus"
            && builderArch is "x86_64" or "i386" or "i686"
            && !arches.Contains("noarch"))
        {
            arches.Add("noarch");
        }
        return arches;
    }
}
