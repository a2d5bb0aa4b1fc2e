/** Types for scripts/jupyter-env.mjs (the project-local Jupyter environment). */
export declare const ROOT: string;
export declare const JUPYTER_DIR: string;
export declare const JUPYTER_PATH: string;
export declare const KERNELS_DIR: string;
export declare const KERNEL_NAME: string;
export declare const TSLAB_KERNEL_NAME: string;
export declare const SETUP_FILE: string;
export declare function jupyterEnv(base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
export declare function jupyterPython(): string | null;
export declare function isKernelRegistered(name?: string): boolean;
