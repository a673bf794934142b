/*!
 * A tiny stand-in for jQuery on the GovWatch demo portal (not jQuery itself): $(fn), $('#id'),
 * and the Hanweb "jpage" list plugin the 部门动态 column calls. jpage shows the records of the
 * inline <datastore> and pages through dataproxy.jsp by POST (startrecord/endrecord/perpage in
 * the query string, the ajaxParam fields in the form body), as Hanweb's plugin does.
 */
(function (window, document) {
	"use strict";

	function Wrapped(elements) {
		this.elements = elements;
		this.length = elements.length;
	}

	function $(selector) {
		if (typeof selector === "function") {
			if (document.readyState === "loading") {
				document.addEventListener("DOMContentLoaded", selector);
			} else {
				selector();
			}
			return undefined;
		}
		if (typeof selector === "string" && /^#[\w-]+$/.test(selector)) { // ids may start with a digit
			var one = document.getElementById(selector.slice(1));
			return new Wrapped(one ? [one] : []);
		}
		if (typeof selector === "string") {
			return new Wrapped(Array.prototype.slice.call(document.querySelectorAll(selector)));
		}
		return new Wrapped(selector ? [selector] : []);
	}

	function records(xml) {
		var out = [], re = /<record>\s*<!\[CDATA\[([\s\S]*?)\]\]>\s*<\/record>/g, m;
		while ((m = re.exec(xml || "")) !== null) {
			out.push(m[1]);
		}
		return out;
	}

	Wrapped.prototype.jpage = function (options) {
		var box = this.elements[0];
		if (!box) {
			return this;
		}
		var perPage = options.perPage || 15;
		var total = options.totalRecord || 0;
		var pages = Math.max(1, Math.ceil(total / perPage));

		function show(rows, page) {
			var html = "<ul class=\"list\">" + rows.join("") + "</ul><div class=\"page\">共" + total +
				"条&nbsp;第" + page + "/" + pages + "页&nbsp;";
			if (page > 1) {
				html += "<a href=\"javascript:void(0)\" data-page=\"" + (page - 1) + "\">上一页</a>&nbsp;";
			}
			if (page < pages) {
				html += "<a href=\"javascript:void(0)\" data-page=\"" + (page + 1) + "\">下一页</a>";
			}
			box.innerHTML = html + "</div>";
			var links = box.querySelectorAll("a[data-page]");
			for (var i = 0; i < links.length; i++) {
				links[i].onclick = function () {
					load(parseInt(this.getAttribute("data-page"), 10));
					return false;
				};
			}
		}

		function load(page) {
			var start = (page - 1) * perPage + 1, body = [], params = options.ajaxParam || {};
			for (var key in params) {
				if (Object.prototype.hasOwnProperty.call(params, key)) {
					body.push(encodeURIComponent(key) + "=" + encodeURIComponent(params[key]));
				}
			}
			var xhr = new XMLHttpRequest();
			xhr.open("POST", options.proxyUrl + "?startrecord=" + start + "&endrecord=" +
				(start + perPage * (options.groupSize || 1) - 1) + "&perpage=" + perPage);
			xhr.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
			xhr.onload = function () {
				show(records(xhr.responseText).slice(0, perPage), page);
			};
			xhr.send(body.join("&"));
		}

		show(records(options.dataStore).slice(0, perPage), 1);
		return this;
	};

	window.$ = window.jQuery = $;
})(window, document);
