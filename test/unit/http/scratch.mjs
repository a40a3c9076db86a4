import { z } from "zod";
console.log(z.number().safeParse(Infinity).success, z.number().safeParse(NaN).success);
const s = z.strictObject({ mode: z.enum(['drive','observe']), adapter: z.string().min(1).optional(), target: z.strictObject({service: z.string().min(1)}) })
  .superRefine((v, ctx) => { if (v.mode === 'drive' && v.adapter === undefined) ctx.addIssue({code:'custom', path:['adapter'], message:'required in drive mode'}); });
console.log(JSON.stringify(s.safeParse({mode:'drive', target:{service:''}}).error?.issues));
console.log(JSON.stringify(s.safeParse({mode:'drive', target:{service:'x'}}).error?.issues));
console.log(JSON.stringify(s.safeParse({mode:'x', target:{service:'x'}, foo: 1}).error?.issues));
