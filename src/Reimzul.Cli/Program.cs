using Reimzul.Build;
using Reimzul.Cli;

// The placeholder of a prestarted build sandbox does nothing else, and before anything else.
if (args is [SandboxStub.Argument])
{
    return SandboxExec.Run();
}
return await ReimzulCommandLine.RunAsync(args);
