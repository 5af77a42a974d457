// The TypeScript type a JSON schema describes, computed by the compiler from the schema itself,
// so that a request's type can never drift from the schema that validates it. Covers the subset
// our schemas use: object (properties, required), array (items), string, integer, number,
// boolean, null, const and enum.

export type JsonSchema = {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly [keyword: string]: unknown;
};

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type ObjectOf<P, R> = Simplify<
  { -readonly [K in keyof P as K extends R ? K : never]: FromSchema<P[K]> } & {
    -readonly [K in keyof P as K extends R ? never : K]?: FromSchema<P[K]>;
  }
>;

export type FromSchema<S> = S extends { readonly const: infer C }
  ? C
  : S extends { readonly enum: readonly (infer E)[] }
    ? E
    : S extends { readonly type: 'string' }
      ? string
      : S extends { readonly type: 'integer' | 'number' }
        ? number
        : S extends { readonly type: 'boolean' }
          ? boolean
          : S extends { readonly type: 'null' }
            ? null
            : S extends { readonly type: 'array'; readonly items: infer I }
              ? FromSchema<I>[]
              : S extends { readonly type: 'object'; readonly properties: infer P }
                ? ObjectOf<P, S extends { readonly required: readonly (infer R)[] } ? R : never>
                : unknown;
