namespace Reimzul.Build;

/// <param name="SrpmPath">A local, already validated source RPM.</param>
/// <param name="PkgName">Name from the SRPM header.</param>
/// <param name="Evr">version-release from the SRPM header.</param>
/// <param name="Arch">The arch to build (the requested one, or i386/ppc/noarch for a chained build).</param>
/// <param name="Target">The job's target, e.g. <c>c7.1708.u.x86_64</c> (the parent's for chained builds).</param>
/// <param name="Disttag">Value of <c>%dist</c>, e.g. <c>.el7_4</c>.</param>
/// <param name="Timestamp">The build's timestamp, shared by chained builds.</param>
/// <param name="ResultDir">Empty dir that receives RPMs and logs.</param>
/// <param name="Timeout">The build is killed after this long.</param>
public sealed record BuildRequest(
    string SrpmPath,
    string PkgName,
    string Evr,
    string Arch,
    string Target,
    string Disttag,
    string Timestamp,
    string ResultDir,
    TimeSpan Timeout);
