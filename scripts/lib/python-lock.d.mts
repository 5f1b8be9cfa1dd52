export declare const LOCK_PYTHON: string;
export declare const LOCK_INPUT: string;
export declare const LOCK_FILE: string;
export declare function compileArgs(output: string, extra?: string[]): string[];
export declare function pins(lockText: string): Map<string, string>;
export declare function lockEntry(lockText: string, name: string): string | undefined;
export declare function syncArgs(python: string, lock: string): string[];
export declare function extensionArgs(python: string): string[];
