import type { Locator, Page } from "playwright-core";

// What the dashboard promises readers (docs/dashboard.md, "Safety and
// accessibility"), checked on a page as Chromium shows it. Each check
// answers what fails, as sentences a failing test prints.

// The page's DOM, typed only as far as the checks below use it: these
// functions run in the page, and the tests' TypeScript has no DOM lib.
// Declared in this module, they are no globals of the Node side.
interface PageNode {
  nodeType: number;
  textContent: string | null;
}
interface PageElement extends PageNode {
  tagName: string;
  outerHTML: string;
  type?: string;
  labels?: Iterable<PageElement> | null;
  parentElement: PageElement | null;
  childNodes: Iterable<PageNode>;
  getAttribute(name: string): string | null;
  closest(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
  getBoundingClientRect(): {
    width: number;
    height: number;
    right: number;
    bottom: number;
  };
}
declare const document: {
  body: PageElement;
  activeElement: PageElement | null;
  getElementById(id: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
};
declare function getComputedStyle(element: PageElement): {
  color: string;
  backgroundColor: string;
  fontSize: string;
  fontWeight: string;
  visibility: string;
  opacity: string;
  outlineStyle: string;
  outlineWidth: string;
};

/** Inputs, selects and text areas without a label or aria-label. */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const named = (element: PageElement) => {
      const labels = [...(element.labels ?? [])];
      if (labels.some((label) => label.textContent?.trim())) return true;
      if (element.getAttribute("aria-label")?.trim()) return true;
      const ids = element.getAttribute("aria-labelledby")?.split(/\s+/) ?? [];
      return ids.some((id) => document.getElementById(id)?.textContent?.trim());
    };
    return [...document.querySelectorAll("input, select, textarea")]
      .filter((element) => element.type !== "hidden")
      .filter((element) => !named(element))
      .map((element) => `${element.outerHTML.slice(0, 120)} has no label`);
  });
}

/** Buttons and links whose accessible name, as Chromium computes it for
 * screen readers, is empty. */
export async function unnamedButtonsAndLinks(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send("Accessibility.getFullAXTree")) as {
      nodes: Array<{
        ignored: boolean;
        role?: { value?: string };
        name?: { value?: string };
        backendDOMNodeId?: number;
      }>;
    };
    const unnamed = nodes
      .filter((node) => !node.ignored)
      .filter((node) => ["button", "link"].includes(node.role?.value ?? ""))
      .filter((node) => !String(node.name?.value ?? "").trim());
    const failures: string[] = [];
    for (const node of unnamed) {
      // The element's markup says which one it is.
      const { object } = (await cdp.send("DOM.resolveNode", {
        backendNodeId: node.backendDOMNodeId ?? 0,
      })) as { object: { objectId: string } };
      const { result } = (await cdp.send("Runtime.callFunctionOn", {
        objectId: object.objectId,
        functionDeclaration: "function () { return this.outerHTML; }",
        returnByValue: true,
      })) as { result: { value: string } };
      failures.push(
        `${String(result.value).slice(0, 120)} is a ${node.role?.value} without a name`,
      );
    }
    return failures;
  } finally {
    await cdp.detach();
  }
}

export interface LowContrast {
  text: string;
  ratio: number;
  needed: number;
  colour: string;
  background: string;
}

/**
 * Visible text whose colour against its effective background (the first
 * non-transparent one up the tree, blended over what is below it) is
 * under 4.5:1, or 3:1 for large text (24px, or 18.66px bold). Disabled
 * controls are exempt, as WCAG 1.4.3 allows.
 */
export function lowContrastTexts(page: Page): Promise<LowContrast[]> {
  return page.evaluate(() => {
    const TEXT_NODE = 3;
    type Rgba = [number, number, number, number];
    const parse = (value: string): Rgba => {
      const parts = value.match(/[\d.]+/g)?.map(Number) ?? [];
      return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, parts[3] ?? 1];
    };
    const over = (top: Rgba, bottom: Rgba): Rgba => {
      const a = top[3];
      return [
        top[0] * a + bottom[0] * (1 - a),
        top[1] * a + bottom[1] * (1 - a),
        top[2] * a + bottom[2] * (1 - a),
        1,
      ];
    };
    const background = (element: PageElement): Rgba => {
      const layers: Rgba[] = [];
      for (let at: PageElement | null = element; at; at = at.parentElement) {
        const colour = parse(getComputedStyle(at).backgroundColor);
        if (colour[3] > 0) layers.push(colour);
        if (colour[3] >= 1) break;
      }
      // The canvas under everything is white.
      return layers.reduceRight<Rgba>(
        (below, layer) => over(layer, below),
        [255, 255, 255, 1],
      );
    };
    const luminance = ([r, g, b]: Rgba) => {
      const channel = (value: number) => {
        const c = value / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const ratio = (a: Rgba, b: Rgba) => {
      const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
      return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
    };
    const visible = (element: PageElement) => {
      const box = element.getBoundingClientRect();
      const style = getComputedStyle(element);
      return (
        box.width > 1 &&
        box.height > 1 &&
        box.right > 0 &&
        box.bottom > 0 &&
        style.visibility === "visible" &&
        Number(style.opacity) > 0
      );
    };
    const texts = [...document.body.querySelectorAll("*")].filter(
      (element) =>
        [...element.childNodes].some(
          (node) => node.nodeType === TEXT_NODE && node.textContent?.trim(),
        ) || ["INPUT", "SELECT", "TEXTAREA"].includes(element.tagName),
    );
    const failures: LowContrast[] = [];
    for (const element of texts) {
      if (!visible(element) || element.closest(":disabled")) continue;
      const style = getComputedStyle(element);
      const back = background(element);
      const colour = over(parse(style.color), back);
      const size = Number.parseFloat(style.fontSize);
      const bold = Number(style.fontWeight) >= 700;
      const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
      const found = ratio(colour, back);
      if (found < needed) {
        failures.push({
          text: (element.textContent ?? "").trim().slice(0, 60),
          ratio: Math.round(found * 100) / 100,
          needed,
          colour: style.color,
          background: `rgb(${back.slice(0, 3).map(Math.round).join(", ")})`,
        });
      }
    }
    return failures;
  });
}

/**
 * Presses Tab until `target` has the focus, checking that each element
 * the focus passes shows a focus outline; fails after `limit` presses.
 */
export async function tabTo(
  page: Page,
  target: Locator,
  limit = 40,
): Promise<void> {
  for (let presses = 0; presses < limit; presses += 1) {
    await page.keyboard.press("Tab");
    const focus = await page.evaluate(() => {
      const element = document.activeElement;
      if (!element || element === document.body) return null;
      const style = getComputedStyle(element);
      return {
        ring: style.outlineStyle !== "none" && style.outlineWidth !== "0px",
        html: element.outerHTML.slice(0, 100),
      };
    });
    if (focus && !focus.ring) {
      throw new Error(`${focus.html} has the focus without a visible ring`);
    }
    if (await target.evaluate((element) => element === document.activeElement))
      return;
  }
  throw new Error(`${target} was not reached in ${limit} Tab presses`);
}
