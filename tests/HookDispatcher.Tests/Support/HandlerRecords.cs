using HookDispatcher.Engine;
using HookDispatcher.Host;

namespace HookDispatcher.Tests.Support;

/// <summary>A handler's records described through its record kinds, as the dry run and forget find them (by the record's kind name).</summary>
internal static class HandlerRecords
{
    public static IRecordKind KindOf(this IHandler handler, StepRecord record) =>
        handler.RecordKinds.SingleOrDefault(k => k.Name == record.Kind) ?? throw new InvalidOperationException($"{handler.Kind} has no record kind '{record.Kind}'");

    public static IReadOnlyList<string> DescribeUndo(this IHandler handler, StepRecord record) => handler.KindOf(record).DescribeUndo(record);

    public static IReadOnlyList<string> DescribeHost(this IHandler handler, StepRecord record, IHostFs fs) => handler.KindOf(record).DescribeHost(record, fs);
}
