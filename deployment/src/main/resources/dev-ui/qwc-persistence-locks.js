import { LitElement, html, css } from 'lit';
import { JsonRpc } from 'jsonrpc';
import '@vaadin/grid';
import '@vaadin/button';

/**
 * The persistence card's live page: lock holders and waiters (refreshed every two seconds), the storage
 * settings, and the orphaned temp files under the root with a "recover now" button.
 */
export class QwcPersistenceLocks extends LitElement {

    jsonRpc = new JsonRpc(this);

    static styles = css`
        .section { padding: 0.5em 1em; }
        .numbers span { margin-right: 1.5em; }
        vaadin-grid { height: auto; }
    `;

    static properties = {
        _locks: { state: true },
        _stats: { state: true },
        _truncated: { state: true },
        _settings: { state: true },
        _orphans: { state: true },
        _recovered: { state: true }
    };

    connectedCallback() {
        super.connectedCallback();
        this._refresh();
        this.jsonRpc.getSettings().then(r => this._settings = r.result);
        this._timer = setInterval(() => this._refresh(), 2000);
    }

    disconnectedCallback() {
        clearInterval(this._timer);
        super.disconnectedCallback();
    }

    _refresh() {
        this.jsonRpc.getLocks().then(r => {
            this._locks = r.result.locks;
            this._stats = r.result.stats;
            this._truncated = r.result.truncated;
        });
        this.jsonRpc.getOrphanCount().then(r => this._orphans = r.result);
    }

    _recover() {
        this.jsonRpc.recover().then(r => {
            this._recovered = r.result;
            this._refresh();
        });
    }

    render() {
        return html`
            <div class="section numbers">${this._stats ? html`
                <span>queued: <b>${this._stats.queued}</b></span>
                <span>readers: <b>${this._stats.activeReaders}</b></span>
                <span>writers: <b>${this._stats.activeWriters}</b></span>
                <span>oldest wait: <b>${this._stats.oldestWaitMs} ms</b></span>
                <span>available: <b>${this._stats.available}</b></span>` : 'loading…'}
            </div>
            <vaadin-grid .items="${this._locks || []}" theme="row-stripes" all-rows-visible>
                <vaadin-grid-sort-column path="state" auto-width></vaadin-grid-sort-column>
                <vaadin-grid-sort-column path="mode" auto-width></vaadin-grid-sort-column>
                <vaadin-grid-sort-column path="path" auto-width></vaadin-grid-sort-column>
                <vaadin-grid-sort-column path="thread" auto-width></vaadin-grid-sort-column>
                <vaadin-grid-sort-column path="ageMs" header="age (ms)" auto-width></vaadin-grid-sort-column>
            </vaadin-grid>
            ${this._truncated ? html`<div class="section">(the first 200 only)</div>` : ''}
            <div class="section">
                Temp files under the root: <b>${this._orphans < 0 ? 'no root configured' : this._orphans}</b>
                <vaadin-button theme="small" @click="${this._recover}" ?disabled="${this._orphans < 0}">Recover now</vaadin-button>
                ${this._recovered !== undefined ? html`removed ${this._recovered}` : ''}
            </div>
            <div class="section">${this._settings ? Object.entries(this._settings).map(([key, value]) =>
                html`<div>${key}: <code>${value}</code></div>`) : ''}</div>
        `;
    }
}
customElements.define('qwc-persistence-locks', QwcPersistenceLocks);
