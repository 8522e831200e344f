import type { Lang, Translate } from './i18n/translate.js'

/** What every view needs to render text; a getter so a language switch reaches views built earlier. */
export interface UiContext {
  lang: Lang
  t: Translate
  now: () => number
}

export type GetUi = () => UiContext

/** Polite for news, assertive only for what needs action now (critical alerts). */
export type Announce = (text: string, urgent?: boolean) => void
