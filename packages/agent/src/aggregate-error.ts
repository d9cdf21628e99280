// Several failures as one Error, worded as Kubernetes' aggregate errors
// (utilerrors.NewAggregate): one message alone, else "[a, b]".
export function aggregateError(messages: readonly string[]): Error {
  return new Error(messages.length === 1 ? messages[0]! : `[${messages.join(", ")}]`);
}
