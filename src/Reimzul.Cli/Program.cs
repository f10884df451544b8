using Reimzul.Cli;

return await ReimzulCommandLine.RunAsync(args);
