using HookDispatcher.Domain;
using HookDispatcher.Host;
using HookDispatcher.Rules;

namespace HookDispatcher.Engine;

/// <summary>The input of planning: which stage, whose rules, the live domain XML, and a read-only look at the host.</summary>
internal sealed record PlanContext(Stage Stage, RuleSet Rules, DomainInfo Domain, IHostFs Fs);
