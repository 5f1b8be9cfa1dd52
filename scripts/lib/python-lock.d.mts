export declare const LOCK_PYTHON: string;
export declare const LOCK_INPUT: string;
export declare const LOCK_FILE: string;
export declare function compileArgs(output: string, extra?: string[]): string[];
export declare function pins(lockText: string): Map<string, string>;
