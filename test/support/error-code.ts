/** The `code` of what `f` throws, or "accepted" when it does not throw (for table and property tests). */
export function codeOf(f: () => unknown): string | undefined {
	try {
		f();
		return 'accepted';
	} catch (error) {
		return (error as { code?: string }).code;
	}
}
