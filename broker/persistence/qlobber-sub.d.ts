// qlobber ships no types; this is the part of QlobberSub that session-store.ts uses.
declare module 'qlobber/aedes/qlobber-sub.js' {
  interface QlobberSubValue {
    clientId: string
    topic: string
    qos?: number
    rh?: number
    rap?: boolean
    nl?: boolean
  }
  export default class QlobberSub {
    constructor(options: { wildcard_one: string; wildcard_some: string; separator: string })
    subscriptionsCount: number
    add(topic: string, value: QlobberSubValue): this
    remove(topic: string, value: { clientId: string; topic: string }): this
    match(topic: string): Array<QlobberSubValue & { clientId: string }>
  }
}
